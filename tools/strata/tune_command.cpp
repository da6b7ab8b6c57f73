#include "tune_command.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>

#include "commands.h"
#include "config.h"
#include "model_builder.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"
#include "strata/tune.h"
#include "training_data.h"
#include "training_setup.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

// ---- training, as `strata train` does it ------------------------------------------------------------------
// These mirror the helpers of commands.cpp (private there): the data preparation, loss, optimiser and
// scheduler must be the same for a tuned config to train the same way under `strata train`.

// The config's data as `strata train` loads it (images, text or a table), without a validation split
// when `own_split` (the caller makes its own: folds, or --val-fraction).
TrainingData load_tuning_data(const Config& c, bool own_split) {
  Config config = c;
  if (own_split) config.data.val_fraction = 0;
  return load_training_data(config, true);
}

// ---- space parameters -> config -------------------------------------------------------------------------

// Short names for the settings people tune most; any dotted config path works as well.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a{{"lr", "optimizer.lr"},
                                                    {"weight_decay", "optimizer.weight_decay"},
                                                    {"momentum", "optimizer.momentum"},
                                                    {"optimizer", "optimizer.name"},
                                                    {"nesterov", "optimizer.nesterov"},
                                                    {"batch_size", "data.batch_size"},
                                                    {"epochs", "training.epochs"},
                                                    {"label_smoothing", "loss.label_smoothing"},
                                                    {"max_lr", "scheduler.max_lr"},
                                                    {"scheduler", "scheduler.name"}};
  return a;
}

std::string config_key(const std::string& name) {
  if (name == "dropout") return name;
  if (auto it = aliases().find(name); it != aliases().end()) return it->second;
  if (name.find('.') != std::string::npos) return name;
  std::string known = "dropout";
  for (const auto& [k, v] : aliases()) known += ", " + k;
  STRATA_FAIL(
      "space parameter '{}' is not a config field: use a dotted path such as optimizer.lr, or one of {}",
      name, known);
}

// Everything a trial needs besides its parameters.
struct Setup {
  std::string config_path;
  std::vector<Override> base_overrides;
  Config base;
  TrainingData data;  // the inputs' shape and dtype, vocabulary and collate of the config's data
  std::shared_ptr<const data::Dataset> train, val;
  std::vector<std::string> extra_metrics;  // metrics the Trainer computes on top of loss and accuracy
  std::string trials_dir;                  // per-trial curves go to trials_dir/<id>
};

// The base config with the trial's values. optimizer.lr under onecycle moves the peak (scheduler.max_lr)
// by the same factor, unless the space sets max_lr itself; `dropout` sets every dropout layer's p.
Config trial_config(const Setup& s, const tune::Assignment& params) {
  std::vector<Override> overrides = s.base_overrides;
  std::optional<double> dropout;
  bool sets_lr = false, sets_max_lr = false;
  for (const auto& [name, value] : params) {
    const std::string key = config_key(name);
    const std::string text = tune::to_string(value);
    if (key == "dropout") {
      dropout = tune::to_double(value);
      continue;
    }
    sets_lr = sets_lr || key == "optimizer.lr";
    sets_max_lr = sets_max_lr || key == "scheduler.max_lr";
    overrides.push_back({key, text, fmt::format("space parameter '{}' = {}", name, text)});
  }
  Config c = load_config(s.config_path, overrides);
  if (sets_lr && !sets_max_lr && c.scheduler.name == "onecycle" && s.base.scheduler.max_lr > 0) {
    c.scheduler.max_lr = s.base.scheduler.max_lr * c.optimizer.lr / s.base.optimizer.lr;
  }
  if (dropout) {
    STRATA_CHECK(*dropout >= 0 && *dropout < 1, "space parameter 'dropout' = {} must be in [0, 1)", *dropout);
    if (!c.model.name.empty()) {
      STRATA_CHECK(c.model.name == "mlp", "space parameter 'dropout': model '{}' of {} has no dropout",
                   c.model.name, s.config_path);
      c.model.dropout = *dropout;
      c.model.node["dropout"] = *dropout;
    } else if (!c.model.zoo.empty()) {
      STRATA_CHECK(c.model.zoo == "mlp" || c.model.zoo == "mobilenet_v2" || c.model.zoo.starts_with("vgg"),
                   "space parameter 'dropout': zoo model '{}' of {} has no dropout", c.model.zoo,
                   s.config_path);
      c.model.zoo_options.dropout = *dropout;
      c.model.node["dropout"] = *dropout;
    } else {
      int found = 0;
      for (size_t i = 0; i < c.model.layers.size(); ++i) {
        if (c.model.layers[i].type != "dropout") continue;
        c.model.layers[i].args = YAML::Node(*dropout);
        YAML::Node layer(YAML::NodeType::Map);
        layer["dropout"] = *dropout;
        c.model.node["layers"][i] = layer;
        ++found;
      }
      STRATA_CHECK(found > 0, "space parameter 'dropout': the model of {} has no dropout layer",
                   s.config_path);
    }
  }
  return c;
}

// Builds every choice and both ends of every range into the config once, so that a value the config
// rejects fails now, naming the parameter, rather than in the middle of the run.
void check_space(const Setup& s, const tune::SearchSpace& space) {
  std::mt19937_64 rng(0);
  const tune::Assignment sample = space.sample(rng);
  trial_config(s, sample);
  const std::vector<double> u = space.to_unit(sample);
  const auto& params = space.params();
  auto index_of = [&](const std::string& name) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].name == name) return i;
    }
    return params.size();
  };
  for (size_t i = 0; i < params.size(); ++i) {
    const tune::Param& p = params[i];
    std::vector<tune::Value> values = p.choices;
    if (p.distribution != tune::Distribution::Choice) values = {p.from_unit(0.0), p.from_unit(1.0)};
    for (const tune::Value& v : values) {
      // Make the parameter active (its parent takes the first value of its condition), then set it.
      std::vector<double> at = u;
      if (p.condition) {
        const size_t parent = index_of(p.condition->parent);
        at[parent] = params[parent].to_unit(p.condition->values[0]);
      }
      at[i] = p.to_unit(v);
      tune::Assignment a = space.from_unit(at);
      a[p.name] = v;
      trial_config(s, a);
    }
  }
}

// Trains one config on `train_set`, validating on `val_set` each epoch; returns the last epoch's logs.
train::Logs train_config(const Config& c, const TrainingData& d,
                         const std::shared_ptr<const data::Dataset>& train_set,
                         const std::shared_ptr<const data::Dataset>& val_set,
                         const std::vector<std::string>& metrics, const std::string& out_dir,
                         std::vector<std::shared_ptr<train::Callback>> callbacks) {
  static std::mutex init_mutex;
  std::shared_ptr<nn::Module> model;
  {
    // The same initial weights for a seed whichever thread builds the model.
    std::lock_guard<std::mutex> lock(init_mutex);
    manual_seed(c.training.seed);
    model = build_model(c, d);
  }
  data::DataLoader train_loader(train_set, {.batch_size = c.data.batch_size,
                                            .shuffle = c.data.shuffle,
                                            .seed = c.training.seed,
                                            .num_workers = c.data.num_workers,
                                            .collate = d.collate});
  data::DataLoader val_loader(val_set, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  train::Trainer trainer(model, make_optimizer(c, model->parameters()), make_loss(c));
  attach_scheduler(c, trainer, train_loader.size(), callbacks);
  if (c.training.early_stopping.enabled) {
    const EarlyStoppingConfig& es = c.training.early_stopping;
    callbacks.push_back(std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
        .monitor = es.monitor, .patience = es.patience, .min_delta = es.min_delta}));
  }
  const train::History h = trainer.fit(train_loader, {.epochs = c.training.epochs,
                                                      .validation = &val_loader,
                                                      .callbacks = callbacks,
                                                      .out_dir = out_dir,
                                                      .progress = false,
                                                      .metrics = metrics,
                                                      .autocast = c.training.autocast == "bf16",
                                                      .clip_grad_norm = c.training.clip_grad_norm,
                                                      .clip_grad_value = c.training.clip_grad_value});
  return h.epochs.back();
}

std::string json_value(const tune::Value& v) {
  if (std::holds_alternative<std::string>(v)) return "\"" + std::get<std::string>(v) + "\"";
  return tune::to_string(v);
}

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

std::vector<std::string> split_methods(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string m = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    STRATA_CHECK(!m.empty(), "--method '{}': empty method name (use e.g. bayes or bayes,random)", text);
    out.push_back(m);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Setup make_setup(const TuneArgs& args) {
  Setup s;
  s.config_path = args.config;
  for (const std::string& text : args.set) s.base_overrides.push_back(parse_override(text));
  if (args.epochs) {
    s.base_overrides.push_back(
        {"training.epochs", std::to_string(*args.epochs), fmt::format("--epochs {}", *args.epochs)});
  }
  if (args.seed) {
    s.base_overrides.push_back(
        {"training.seed", std::to_string(*args.seed), fmt::format("--seed {}", *args.seed)});
  }
  s.base = load_config(args.config, s.base_overrides);
  return s;
}

std::string default_out(const Config& c, const std::string& suffix) {
  return "runs/" + (c.name.empty() ? fs::path(c.path).stem().string() : c.name) + suffix;
}

int total_threads(const TuneArgs& args, const Config& c) {
  if (args.threads) return *args.threads;
  return c.training.threads > 0 ? c.training.threads : get_num_threads();
}

// ---- --cv
// ---------------------------------------------------------------------------------------------------

int run_cross_validation(const TuneArgs& args) {
  Setup s = make_setup(args);
  const Config& c = s.base;
  const std::string out = args.out.empty() ? default_out(c, "_cv") : args.out;
  set_num_threads(total_threads(args, c));
  const auto start = std::chrono::steady_clock::now();
  const TrainingData d = load_tuning_data(c, true);
  std::cerr << fmt::format(
      "strata tune: {}-fold {}cross-validation of {} on {} ({} training examples) -> {}\n", args.cv,
      args.stratified ? "stratified " : "", c.path, d.description, d.train->size(), out);
  fs::create_directories(out);
  const tune::CrossValidationResult cv = tune::cross_validate(
      d.train,
      [&](std::shared_ptr<const data::Dataset> fold_train, std::shared_ptr<const data::Dataset> fold_val,
          int index) {
        const auto fold_start = std::chrono::steady_clock::now();
        const train::Logs logs =
            train_config(c, d, fold_train, fold_val, {}, fmt::format("{}/fold_{}", out, index + 1), {});
        tune::Metrics m;
        for (const auto& [k, v] : logs) {
          if (k != "lr" && k != "seconds") m[k] = v;
        }
        std::cerr << fmt::format(
            "fold {}/{}: val_loss {:.4f}{}  {:.1f}s\n", index + 1, args.cv, m["val_loss"],
            m.count("val_accuracy") ? fmt::format(" val_accuracy {:.4f}", m["val_accuracy"]) : "",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - fold_start).count());
        return m;
      },
      {.folds = args.cv, .stratified = args.stratified, .seed = c.training.seed});
  std::cerr << cv.summary();
  {
    std::ofstream csv(out + "/cv.csv");
    csv << "fold";
    for (const auto& [k, v] : cv.mean) csv << "," << k;
    csv << "\n";
    for (size_t i = 0; i < cv.folds.size(); ++i) {
      csv << i + 1;
      for (const auto& [k, v] : cv.mean) {
        auto it = cv.folds[i].find(k);
        csv << "," << (it == cv.folds[i].end() ? "" : fmt::format("{}", it->second));
      }
      csv << "\n";
    }
    for (const char* row : {"mean", "std"}) {
      csv << row;
      for (const auto& [k, v] : cv.mean) csv << "," << fmt::format("{}", row[0] == 'm' ? v : cv.std.at(k));
      csv << "\n";
    }
    STRATA_CHECK(csv.good(), "cannot write {}/cv.csv", out);
  }
  std::string json;
  for (const auto& [k, v] : cv.mean) {
    json += fmt::format("\"{}_mean\": {}, \"{}_std\": {}, ", k, json_number(v), k, json_number(cv.std.at(k)));
  }
  std::cout << fmt::format("{{{}\"folds\": {}, \"seconds\": {:.2f}}}", json, args.cv,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
            << std::endl;
  return 0;
}

}  // namespace

// A validator without its description, so that --help shows only our type names.
CLI::Validator quiet(const CLI::Validator& v) { return CLI::Validator(v).description(""); }

CLI::App* add_tune_command(CLI::App& app, TuneArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("tune", "Search hyperparameters of a config (or cross-validate it with --cv)");
  cmd->add_option("-c,--config", args.config, "YAML training config")
      ->type_name("FILE")
      ->required()
      ->check(quiet(CLI::ExistingFile));
  cmd->add_option("--space", args.space, "Search-space YAML (see docs/tuning.md)")
      ->type_name("FILE")
      ->check(quiet(CLI::ExistingFile));
  cmd->add_option("--method", args.method, "grid, random, bayes or tpe; several with commas (default bayes)")
      ->type_name("NAME");
  cmd->add_option("--trials", args.trials, "Trials in total, resumed ones included (default 20)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--parallel", args.parallel, "Trials at a time; they share the threads (default 1)")
      ->type_name("K")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--prune", args.prune, "none, median, successive_halving or hyperband (default none)")
      ->type_name("NAME");
  cmd->add_option("--out", args.out, "Output folder (default runs/<config name>_tune)")->type_name("DIR");
  cmd->add_option("--set", args.set, "Change a field of the base config, e.g. --set data.limit=5000")
      ->type_name("KEY=VALUE")
      ->take_last()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads in total")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--epochs", args.epochs, "Epochs per trial (overrides training.epochs)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--seed", args.seed, "Seed of the searcher and of training (overrides training.seed)")
      ->type_name("S");
  cmd->add_option("--val-fraction", args.val_fraction,
                  "Training images held out for validation (default data.val_fraction, else 0.1)")
      ->type_name("F")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--grid", args.grid, "Grid points per continuous parameter (default 5)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_flag("--fresh", args.fresh, "Start over instead of resuming from DIR/trials.csv");
  cmd->add_option("--cv", args.cv, "Cross-validate the config with K folds instead of tuning")
      ->type_name("K")
      ->check(CLI::Range(2, 100));
  cmd->add_flag("--stratified", args.stratified, "Stratified folds for --cv");
  cmd->footer(
      "Writes DIR/trials.csv, DIR/steps.csv, DIR/best.yaml, DIR/best_config.yaml, DIR/best_so_far.png and\n"
      "DIR/trials/<n>/ (each trial's curves); an interrupted run resumes from DIR/trials.csv. Prints the "
      "best\n"
      "trial as one line of JSON on stdout. With --cv: DIR/cv.csv and the mean and std of each metric.");
  return cmd;
}

int run_tune(const TuneArgs& args) {
  if (args.cv > 0) return run_cross_validation(args);
  STRATA_CHECK(!args.space.empty(), "strata tune: --space FILE is required (or --cv K to cross-validate)");
  const tune::SpaceFile space_file = tune::load_space_file(args.space);
  const tune::Objective& objective = space_file.objective;
  const std::vector<std::string> methods = split_methods(args.method);
  for (const std::string& m : methods) tune::make_searcher(m, space_file.space);  // fails early on a bad name
  tune::make_pruner(args.prune, 1);

  Setup s = make_setup(args);
  const Config& c = s.base;
  for (const tune::Param& p : space_file.space.params()) config_key(p.name);
  check_space(s, space_file.space);
  const std::string bare =
      objective.metric.rfind("val_", 0) == 0 ? objective.metric.substr(4) : objective.metric;
  if (bare != "loss" && bare != "accuracy") s.extra_metrics.push_back(bare);

  const std::string out = args.out.empty() ? default_out(c, "_tune") : args.out;
  // The validation split `strata train` makes with data.val_fraction, unless --val-fraction asks for
  // another (or the config has none: 10%); the test split stays unseen.
  s.data = load_tuning_data(c, args.val_fraction > 0);
  if (s.data.val) {
    s.train = s.data.train;
    s.val = s.data.val;
  } else {
    const double val_fraction = args.val_fraction > 0 ? args.val_fraction : 0.1;
    auto parts = data::random_split(s.data.train, std::vector<double>{1 - val_fraction, val_fraction},
                                    c.training.seed);
    STRATA_CHECK(parts[0]->size() > 0 && parts[1]->size() > 0,
                 "strata tune: a validation fraction of {} leaves an empty split of {} examples",
                 val_fraction, s.data.train->size());
    s.train = parts[0];
    s.val = parts[1];
  }
  const int threads = total_threads(args, c);
  std::cerr << fmt::format(
      "strata tune: {} on {} ({} train, {} validation examples), {} {}, {} trials, {} at a time on {} "
      "threads{}\n",
      c.path, s.data.description, s.train->size(), s.val->size(),
      objective.maximize ? "maximising" : "minimising", objective.metric, args.trials, args.parallel, threads,
      args.prune == "none" ? "" : ", pruning: " + args.prune);
  if (c.scheduler.name == "onecycle" && c.scheduler.max_lr > 0) {
    for (const tune::Param& p : space_file.space.params()) {
      if (config_key(p.name) == "optimizer.lr" && !space_file.space.has("scheduler.max_lr") &&
          !space_file.space.has("max_lr")) {
        std::cerr
            << "strata tune: onecycle: scheduler.max_lr follows optimizer.lr (same ratio as in the config)\n";
      }
    }
  }

  std::vector<std::pair<std::string, std::vector<double>>> curves;
  for (const std::string& method : methods) {
    const std::string dir = methods.size() > 1 ? out + "/" + method : out;
    s.trials_dir = dir + "/trials";
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<tune::Searcher> searcher =
        tune::make_searcher(method, space_file.space, c.training.seed, args.grid);
    std::unique_ptr<tune::Pruner> pruner = tune::make_pruner(args.prune, c.training.epochs);
    tune::TuneOptions options;
    options.objective = objective;
    options.trials = args.trials;
    options.parallel = args.parallel;
    options.threads = threads;
    options.out_dir = dir;
    options.resume = !args.fresh;
    options.on_trial_end = [&](const tune::TrialResult& r, const tune::TuneResult& so_far) {
      double best = NAN;
      for (const tune::TrialResult& t : so_far.trials) {
        if (t.status == tune::TrialStatus::Complete && std::isfinite(t.value) &&
            (!std::isfinite(best) || (objective.maximize ? t.value > best : t.value < best))) {
          best = t.value;
        }
      }
      std::cerr << fmt::format("{} trial {:>3} {:<8} {} {:.4f}  best {:.4f}  {:>6.1f}s  {}{}\n", method, r.id,
                               tune::to_string(r.status), objective.metric, r.value, best, r.seconds,
                               tune::to_string(r.params), r.error.empty() ? "" : "  error: " + r.error);
    };
    const tune::TuneResult result = tune::tune(
        *searcher,
        [&](tune::Trial& trial) {
          const Config tc = trial_config(s, trial.params());
          const train::Logs logs = train_config(tc, s.data, s.train, s.val, s.extra_metrics,
                                                fmt::format("{}/{}", s.trials_dir, trial.id()),
                                                {std::make_shared<tune::TrialReporter>(trial)});
          return tune::Metrics(logs.begin(), logs.end());
        },
        options, pruner.get());

    const tune::TrialResult& b = result.best();
    {
      std::ofstream best_config(dir + "/best_config.yaml");
      best_config << "# " << c.path << " with the best parameters of " << dir << "/trials.csv (trial " << b.id
                  << ")\n"
                  << to_yaml(trial_config(s, b.params));
      STRATA_CHECK(best_config.good(), "cannot write {}/best_config.yaml", dir);
    }
    curves.emplace_back(method, result.best_so_far());
    int counts[3] = {0, 0, 0};
    for (const tune::TrialResult& t : result.trials) ++counts[static_cast<int>(t.status)];
    std::string params;
    for (const auto& [k, v] : b.params)
      params += fmt::format("{}\"{}\": {}", params.empty() ? "" : ", ", k, json_value(v));
    std::cout
        << fmt::format(
               "{{\"method\": \"{}\", \"best_trial\": {}, \"{}\": {}, \"params\": {{{}}}, \"trials\": {}, "
               "\"complete\": {}, \"pruned\": {}, \"failed\": {}, \"seconds\": {:.2f}}}",
               method, b.id, objective.metric, json_number(b.value), params, result.trials.size(), counts[0],
               counts[1], counts[2],
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
        << std::endl;
  }
  if (methods.size() > 1) tune::plot_best_so_far(out + "/best_so_far.png", objective.metric, curves);
  return 0;
}

}  // namespace strata::cli
