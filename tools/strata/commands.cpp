#include "commands.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include "distributed.h"
#include "graph_data.h"
#include "model_builder.h"
#include "prune_setup.h"
#include "strata/compress.h"
#include "strata/data.h"
#include "strata/dist/collectives.h"
#include "strata/io/atomic_file.h"
#include "strata/io/model_state.h"
#include "strata/io/onnx_import.h"
#include "strata/io/safetensors.h"
#include "strata/metrics/confusion.h"
#include "strata/metrics/plots.h"
#include "strata/metrics/ranking.h"
#include "strata/metrics/registry.h"
#include "strata/metrics/report.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/quantization/quantize.h"
#include "strata/strata.h"
#include "strata/train.h"
#include "train_module_command.h"
#include "training_data.h"
#include "training_setup.h"
#include "transfer.h"
#include "translation.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

std::vector<Override> overrides_of(const ConfigArgs& args) { return cli_overrides(args.set, args.threads); }

}  // namespace

Config load(const ConfigArgs& args, std::vector<Override> extra) {
  std::vector<Override> overrides = overrides_of(args);
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  Config c = load_config(args.config, overrides);
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  manual_seed(c.training.seed);
  return c;
}

namespace {

// The configured metrics the Trainer does not compute anyway (it always logs loss and accuracy).
std::vector<std::string> extra_metrics(const Config& c) {
  std::vector<std::string> out;
  for (const auto& m : c.metrics) {
    if (m != "loss" && m != "accuracy") out.push_back(m);
  }
  return out;
}

train::Mode mode_of(const std::string& monitor) {
  return higher_is_better(monitor) ? train::Mode::Max : train::Mode::Min;
}

}  // namespace

// Loads model weights from a training checkpoint ("model." entries), a plain state dict or a quantised
// model (strata quantize).
void load_weights(nn::Module& model, const std::string& path, const std::string& config_path) {
  STRATA_CHECK(fs::is_regular_file(path), "checkpoint {} does not exist", path);
  if (quantization::is_quantized_file(path)) {  // written by strata quantize: the int8 model
    quantization::load_quantized(model, path);
    return;
  }
  const nn::StateDict state = io::load_model_state(path);
  try {
    model.load_state_dict(state);
  } catch (const Error& e) {
    STRATA_FAIL("checkpoint {} does not fit the model of {}: {}", path, config_path, e.what());
  }
}

namespace {

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

// {"test_loss": .., "test_accuracy": .., <extra>} with the metrics the config asks for.
std::string json_line(const train::Logs& logs, const Config& c,
                      const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string out;
  for (const auto& m : c.metrics) {
    auto it = logs.find(m);
    if (it != logs.end())
      out += fmt::format("{}\"test_{}\": {}", out.empty() ? "" : ", ", m, json_number(it->second));
  }
  for (const auto& [k, v] : extra) out += fmt::format("{}\"{}\": {}", out.empty() ? "" : ", ", k, v);
  return "{" + out + "}";
}

// For a classifier (outputs [N, C] scores, C >= 2, and class-index targets), writes into `out` the
// classification report, the confusion-matrix and ROC plots and eval_metrics.json (the configured metrics
// from `logs` plus accuracy, f1_macro and roc_auc). Returns false, writing nothing, for other models.
bool write_eval_report(nn::Module& model, data::DataLoader& loader, const Config& c,
                       const std::vector<std::string>& classes, const train::Logs& logs,
                       const std::string& out) {
  std::unique_ptr<metrics::ConfusionMatrix> confusion;
  std::unique_ptr<metrics::RocAuc> roc;
  {
    NoGradGuard no_grad;
    model.eval();
    for (const data::Batch& batch : loader) {
      const Tensor output = model(batch.input);
      if (output.dim() != 2 || output.size(1) < 2 || batch.target.dtype() != kInt64) return false;
      if (!confusion) {
        const metrics::MetricOptions options{.num_classes = output.size(1)};
        confusion = std::make_unique<metrics::ConfusionMatrix>(options);
        roc = std::make_unique<metrics::RocAuc>(metrics::Average::Macro, options);
      }
      confusion->update(output, batch.target);
      roc->update(output, batch.target);
    }
  }
  if (!confusion) return false;
  std::vector<std::string> names = classes;
  if (static_cast<int64_t>(names.size()) != confusion->num_classes()) names.clear();  // "0", "1", ...

  std::error_code error;
  fs::create_directories(out, error);
  STRATA_CHECK(!error, "cannot create the report folder {}: {}", out, error.message());
  const Tensor matrix = confusion->matrix();
  io::write_file_atomic(out + "/classification_report.txt", metrics::classification_report(matrix, names));
  metrics::plot_confusion_matrix(out + "/confusion_matrix.png", matrix, names);
  metrics::plot_roc_curve(out + "/roc.png", *roc, names);

  // The configured metrics in config order, then the three every report carries (once each).
  std::vector<std::pair<std::string, double>> values;
  auto add = [&](const std::string& name, double v) {
    for (const auto& [k, _] : values) {
      if (k == name) return;
    }
    values.emplace_back(name, v);
  };
  for (const auto& m : c.metrics) {
    if (auto it = logs.find(m); it != logs.end()) add(m, it->second);
  }
  add("accuracy", metrics::accuracy(matrix));
  add("f1_macro", metrics::precision_recall_fscore(matrix, metrics::Average::Macro).fbeta);
  add("roc_auc", roc->compute());
  std::string json = "{";
  for (size_t i = 0; i < values.size(); ++i)
    json += fmt::format("{}\n  \"{}\": {}", i ? "," : "", values[i].first, json_number(values[i].second));
  json += "\n}\n";
  io::write_file_atomic(out + "/eval_metrics.json", json);
  return true;
}

// The config's loss; for translation, cross-entropy skips the padding unless ignore_index names another
// id (-100, the default a resolved config writes back, names none).
Config loss_config(const Config& c, const TrainingData& d) {
  Config lc = c;
  if (c.data.dataset != "translation" || !d.pad_id || lc.loss.name != "cross_entropy") return lc;
  const auto it = lc.loss.options.find("ignore_index");
  if (it == lc.loss.options.end() || it->second.str() == "-100")
    lc.loss.options["ignore_index"] = nn::ArgValue(*d.pad_id);
  return lc;
}

// Whether the training examples come out the same every epoch (no data.augment, no text augmentation).
bool augmentation_free(const Config& c) {
  const YAML::Node& a = c.data.augment;
  return (!a.IsDefined() || a.IsNull() || a.size() == 0) && !c.data.text.augment.enabled;
}

// The Distiller of the config's distill section: the teacher built from its own config on this data, with
// its checkpoint loaded.
std::shared_ptr<train::Distiller> make_distiller(const Config& c, const TrainingData& d) {
  const DistillConfig& dc = c.distill;
  STRATA_CHECK(c.loss.name == "cross_entropy",
               "{}: distillation trains with cross-entropy on the hard labels; the config's loss is '{}'",
               dc.where, c.loss.name);
  STRATA_CHECK(fs::is_regular_file(dc.teacher_config), "{}: the teacher's config {} does not exist", dc.where,
               dc.teacher_config);
  const Config tc = load_config(dc.teacher_config);
  STRATA_CHECK(tc.data.dataset == c.data.dataset,
               "{}: the teacher ({}) trains on '{}', the student on '{}'; distillation needs the same data",
               dc.where, dc.teacher_config, tc.data.dataset, c.data.dataset);
  const std::shared_ptr<nn::Module> teacher = build_model(tc, d);
  load_weights(*teacher, dc.teacher_checkpoint, dc.teacher_config);
  // Without random augmentation an example's input, hence its teacher logits, is the same every epoch.
  const bool cache = dc.cache_teacher_logits && augmentation_free(c);
  return std::make_shared<train::Distiller>(
      teacher, nn::DistillationLossOptions{.temperature = dc.temperature, .alpha = dc.alpha}, cache);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_train(const TrainArgs& args) {
  if (is_graph_config(args.config)) return run_graph_train(args);  // data.dataset: graph (graph_data.cpp)
  std::vector<Override> flags;
  if (args.epochs)
    flags.push_back(
        {"training.epochs", std::to_string(*args.epochs), fmt::format("--epochs {}", *args.epochs)});
  if (args.lr)
    flags.push_back({"optimizer.lr", fmt::format("{}", *args.lr), fmt::format("--lr {}", *args.lr)});
  if (args.batch_size) {
    flags.push_back({"data.batch_size", std::to_string(*args.batch_size),
                     fmt::format("--batch-size {}", *args.batch_size)});
  }
  if (args.seed)
    flags.push_back({"training.seed", std::to_string(*args.seed), fmt::format("--seed {}", *args.seed)});
  if (!args.init.empty()) {
    // Quoted, so that any path reads back as the same YAML string.
    std::string quoted = "\"";
    for (char ch : args.init) quoted += (ch == '"' || ch == '\\') ? std::string{'\\', ch} : std::string{ch};
    flags.push_back({"init.checkpoint", quoted + "\"", fmt::format("--init {}", args.init)});
  }
  Config c = load(args, flags);
  const std::string name = c.name.empty() ? fs::path(c.path).stem().string() : c.name;
  // --resume RUN_DIR continues RUN_DIR/last.safetensors and writes into RUN_DIR (unless --out says else).
  const bool resume_dir = !args.resume.empty() && fs::is_directory(args.resume);
  const std::string resume_from =
      resume_dir ? (fs::path(args.resume) / "last.safetensors").string() : args.resume;
  if (!args.resume.empty())
    STRATA_CHECK(fs::is_regular_file(resume_from), "--resume: {} does not exist", resume_from);
  const std::string out = !args.out.empty() ? args.out : resume_dir ? args.resume : "runs/" + name;
  const auto start = std::chrono::steady_clock::now();

  // Under mpirun: one replica per rank, each on its shard of the training set (data.batch_size per rank).
  DistributedRun distributed(c.training.threads, c.data.shuffle, c.training.seed);
  const TrainingData d = load_training_data(c);
  std::shared_ptr<nn::Module> model = build_model(c, d);
  data::DataLoader train_loader(d.train, {.batch_size = c.data.batch_size,
                                          .shuffle = c.data.shuffle && !distributed.on(),
                                          .seed = c.training.seed,
                                          .num_workers = c.data.num_workers,
                                          .collate = d.collate,
                                          .sampler = distributed.sampler(d.train->size())});
  data::DataLoader test_loader(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  // A training module (dcgan, cgan, wgan_gp, ...) writes its own step, with an optimiser per network.
  if (auto module = std::dynamic_pointer_cast<train::TrainingModule>(model))
    return run_train_module(c, d, module, train_loader, test_loader, out, args.progress);
  STRATA_CHECK(
      c.optimizers.empty(),
      "{}: field 'optimizers' (one optimiser per network) applies to training modules such as dcgan, "
      "cgan and wgan_gp; this model takes 'optimizer'",
      c.path);
  std::unique_ptr<data::DataLoader> val_loader;
  if (d.val) {
    val_loader = std::make_unique<data::DataLoader>(
        d.val, data::DataLoaderOptions{.batch_size = c.data.eval_batch_size, .collate = d.collate});
  }

  // Transfer learning: weights from another run, then the frozen parameters; the optimiser holds them
  // all (frozen ones are skipped until unfrozen).
  std::vector<std::string> transfer_log = apply_init(c, *model);
  model = prune_channels_for(c, model, &transfer_log);  // prune: channels, once, before training
  for (auto& line : apply_freeze(c, *model)) transfer_log.push_back(std::move(line));
  // Distillation: the teacher runs on every training batch and the loss compares the two.
  std::shared_ptr<train::Distiller> distiller;
  if (!c.distill.teacher_config.empty()) {
    distiller = make_distiller(c, d);
    transfer_log.push_back(fmt::format(
        "distilling from {} ({}), temperature {}, alpha {}, teacher logits {}", c.distill.teacher_checkpoint,
        c.distill.teacher_config, c.distill.temperature, c.distill.alpha,
        distiller->caches_teacher_logits() ? "computed once per example" : "computed per batch"));
  }
  distributed.wrap(model);
  train::Trainer trainer(model, make_optimizer(c, *model),
                         distiller ? distiller->loss() : make_loss(loss_config(c, d)));
  std::vector<std::shared_ptr<train::Callback>> callbacks;
  if (distiller) callbacks.push_back(distiller);
  // prune: global or layer: masks on a schedule, held through training.
  const MagnitudePruning pruning =
      make_pruning_schedule(c, *model, static_cast<int64_t>(train_loader.size()) * c.training.epochs);
  if (pruning.schedule) {
    callbacks.push_back(pruning.schedule);
    transfer_log.push_back(fmt::format("pruning ({}) to sparsity {} ({} schedule), {} weights",
                                       c.prune.method, c.prune.sparsity, c.prune.schedule,
                                       pruning.masks->weights().size()));
  }
  if (auto unfreeze = make_unfreeze(c)) callbacks.push_back(unfreeze);
  attach_scheduler(c, trainer, train_loader.size(), callbacks);
  if (c.training.early_stopping.enabled) {
    const EarlyStoppingConfig& es = c.training.early_stopping;
    callbacks.push_back(std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
        .monitor = es.monitor, .patience = es.patience, .min_delta = es.min_delta}));
  }
  if (distributed.writes()) {
    callbacks.push_back(std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions{
        .dir = out, .monitor = c.training.monitor, .mode = mode_of(c.training.monitor)}));
  }
  // The split that selects best.safetensors and stops early: the validation share of the training data,
  // or (data.val_fraction 0 and no validation split of its own) the test split.
  const std::string selected_on = val_loader ? "validation" : "test";

  std::error_code error;
  if (distributed.writes()) {
    fs::create_directories(out, error);
    STRATA_CHECK(!error, "cannot create the run folder {}: {}", out, error.message());
    io::write_file_atomic(out + "/config.yaml", to_yaml(c));
  }
  if (d.save_preprocessing && distributed.writes()) d.save_preprocessing(out);
  if (!args.resume.empty()) {
    trainer.load_checkpoint(resume_from);
    c.training.epochs = std::max(0, c.training.epochs - trainer.epoch());
  }
  // SIGINT/SIGTERM end the run after the current step (one process only: ranks of a data-parallel run
  // must stop at the same step, so there the signals keep their default action).
  if (!distributed.on()) train::install_interrupt_handlers();
  if (c.data.dataset == "translation") callbacks.push_back(make_bleu_callback(c, d, model, out));
  if (distributed.writes()) {
    std::cerr << fmt::format(
        "strata train: {} ({} parameters) on {} ({} train, {} {}) for {} epoch{} -> {}\n", name,
        model->num_parameters(), d.description, d.train->size(), d.val ? d.val->size() : d.test->size(),
        d.val ? "validation" : "test as validation: data.val_fraction is 0", c.training.epochs,
        c.training.epochs == 1 ? "" : "s", out);
    for (const auto& line : transfer_log) std::cerr << "strata train: " << line << "\n";
    if (distributed.on()) {
      std::cerr << fmt::format(
          "strata train: data-parallel on {} ranks, {} thread{} each, batch {} per rank\n",
          distributed.world_size(), get_num_threads(), get_num_threads() == 1 ? "" : "s", c.data.batch_size);
    }
    if (!args.resume.empty()) {
      std::cerr << fmt::format("strata train: resumed from {} after epoch {}\n", resume_from,
                               trainer.epoch());
    }
  }
  const train::History history =
      trainer.fit(train_loader, {.epochs = c.training.epochs,
                                 .validation = val_loader ? val_loader.get() : &test_loader,
                                 .validation_label = val_loader ? "val" : "test",
                                 .callbacks = callbacks,
                                 .out_dir = distributed.writes() ? out : "",
                                 .progress = args.progress && distributed.writes(),
                                 .metrics = extra_metrics(c),
                                 .autocast = c.training.autocast == "bf16",
                                 .clip_grad_norm = c.training.clip_grad_norm,
                                 .clip_grad_value = c.training.clip_grad_value,
                                 .compile = c.training.compile,
                                 .reduce_logs = distributed.reduce_logs()});
  if (trainer.interrupted()) {
    const int sig = train::interrupt_signal();
    std::cerr << fmt::format(
        "strata train: interrupted by {} during epoch {}; {}/last.safetensors holds epoch {}. Continue with: "
        "strata train {} --resume {}\n",
        sig == SIGTERM ? "SIGTERM" : "SIGINT", trainer.epoch() + 1, out, trainer.epoch(), c.path, out);
    return 128 + sig;
  }
  std::vector<std::pair<std::string, std::string>> extra = {
      {"epochs", std::to_string(trainer.epoch())}, {"seconds", fmt::format("{:.2f}", seconds_since(start))}};
  if (pruning.masks) {  // permanent: the zeros stay in the weights (and in the checkpoints), the masks go
    pruning.masks->remove();
    const auto report = pruning.masks->report();
    if (distributed.writes()) std::cerr << compress::format_sparsity_report(report);
    extra.emplace_back("weight_sparsity", fmt::format("{:.6g}", report.back().sparsity()));
  }
  // With a validation split, the test split is evaluated once, with the checkpoint validation chose
  // (best.safetensors); with the test split as validation, the last epoch's validation metrics are the
  // test metrics.
  train::Logs test;
  extra.emplace_back("selected_on", "\"" + selected_on + "\"");
  if (val_loader) {
    if (distributed.on()) dist::barrier();  // rank 0 has written best.safetensors
    const std::string best = out + "/best.safetensors";
    std::string tested = "last";
    if (fs::is_regular_file(best)) {
      const io::SafetensorsFile file = io::read_safetensors(best);
      nn::StateDict state;
      for (const auto& [k, v] : file.tensors) {
        if (k.rfind("model.", 0) == 0) state[k.substr(6)] = v;
      }
      model->load_state_dict(state);
      const int best_epoch = static_cast<int>(file.tensors.at("trainer.epoch").item());
      tested = fmt::format("best.safetensors (epoch {})", best_epoch);
      extra.emplace_back("best_epoch", std::to_string(best_epoch));
    }
    test = trainer.evaluate(test_loader, extra_metrics(c));
    if (distributed.writes()) {
      std::cerr << fmt::format(
          "strata train: test split evaluated once with {}, selected on the validation {}\n", tested,
          c.training.monitor);
    }
  } else {
    for (const auto& [k, v] : history.epochs.back()) {
      if (k.rfind("val_", 0) == 0) test[k.substr(4)] = v;
    }
  }
  if (distributed.writes()) std::cout << json_line(test, c, extra) << std::endl;
  distributed.finish();
  return 0;
}

namespace {
// The model eval and predict run: the config's model with the checkpoint's weights, or an imported ONNX
// model.
std::shared_ptr<nn::Module> model_to_run(const Config& c, const TrainingData& d,
                                         const std::string& checkpoint, const std::string& onnx_model) {
  if (!onnx_model.empty()) return onnx::import_model(onnx_model);
  // A run pruned to fewer channels (prune: channels) has the smaller network's shapes.
  const std::shared_ptr<nn::Module> model = prune_channels_for(c, build_model(c, d));
  load_weights(*model, checkpoint, c.path);
  return model;
}
}  // namespace

int run_eval(const ConfigArgs& args, const std::string& weights, const std::string& out,
             const std::string& onnx_model) {
  const std::string& checkpoint = onnx_model.empty() ? weights : onnx_model;  // run files sit beside it
  const Config c = load(args);
  const auto start = std::chrono::steady_clock::now();
  TrainingData d = load_training_data(c, false);
  if (d.load_preprocessing) {
    // The preprocessing saved beside the checkpoint is the one the model was trained with.
    const std::string run_dir = fs::path(checkpoint).parent_path().string();
    if (!d.load_preprocessing(run_dir.empty() ? "." : run_dir, d)) {
      std::cerr << fmt::format(
          "strata eval: no saved preprocessing beside {}; fitted again on the training split\n", checkpoint);
    }
  }
  const std::shared_ptr<nn::Module> model = model_to_run(c, d, weights, onnx_model);
  data::DataLoader loader(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  train::Trainer trainer(model, std::make_shared<optim::SGD>(model->parameters()),
                         make_loss(loss_config(c, d)));
  const train::Logs logs = trainer.evaluate(loader, extra_metrics(c));
  if (c.data.dataset == "translation") {
    std::string run_dir = fs::path(checkpoint).parent_path().string();
    if (run_dir.empty()) run_dir = ".";
    auto extra = translation_eval(c, run_dir, *model, out.empty() ? run_dir : out);
    extra.emplace_back("samples", std::to_string(loader.dataset().size()));
    extra.emplace_back("seconds", fmt::format("{:.2f}", seconds_since(start)));
    std::cout << json_line(logs, c, extra) << std::endl;
    return 0;
  }
  std::string report_dir = out;
  if (report_dir.empty()) {
    report_dir = fs::path(checkpoint).parent_path().string();
    if (report_dir.empty()) report_dir = ".";
  }
  // A language model's per-token predictions are measured by its metrics (bits per character), not by a
  // report over every token of the vocabulary.
  if (c.data.dataset != "text-lm" && write_eval_report(*model, loader, c, d.classes, logs, report_dir))
    std::cerr << fmt::format("strata eval: report written to {}\n", report_dir);
  std::cout << json_line(logs, c,
                         {{"samples", std::to_string(loader.dataset().size())},
                          {"seconds", fmt::format("{:.2f}", seconds_since(start))}})
            << std::endl;
  return 0;
}

int run_predict(const ConfigArgs& args, const std::string& weights, const std::string& image, int top_k,
                const std::string& onnx_model) {
  const std::string& checkpoint = onnx_model.empty() ? weights : onnx_model;  // run files sit beside it
  const Config c = load(args);
  STRATA_CHECK(top_k > 0, "--top-k must be positive, got {}", top_k);
  STRATA_CHECK(!image.empty(),
               "strata predict needs an input: --image FILE (images) or --audio FILE (speech)");
  STRATA_CHECK(fs::is_regular_file(image), "input {} does not exist", image);
  TrainingData d = load_training_data(c, false);
  STRATA_CHECK(d.read_input != nullptr, "strata predict classifies images and audio; {} trains on {}", c.path,
               c.data.dataset);
  if (d.load_preprocessing) {
    // The normalisation saved beside the checkpoint is the one the model was trained with.
    const std::string run_dir = fs::path(checkpoint).parent_path().string();
    if (!d.load_preprocessing(run_dir.empty() ? "." : run_dir, d)) {
      std::cerr << fmt::format(
          "strata predict: no saved preprocessing beside {}; fitted again on the training split\n",
          checkpoint);
    }
  }
  // Decoded, converted and normalised as the test images are (the 28x28 sets invert light backgrounds).
  const Tensor x = d.read_input(image);
  const std::shared_ptr<nn::Module> model = model_to_run(c, d, weights, onnx_model);
  nn::Module& net = *model;
  net.eval();
  NoGradGuard no_grad;
  const std::vector<float> p = F::softmax(net(x), 1).reshape({-1}).to_vector<float>();
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
  for (int i = 0; i < std::min<int>(top_k, static_cast<int>(order.size())); ++i) {
    const int k = order[i];
    const std::string label = k < static_cast<int>(d.classes.size()) ? d.classes[k] : std::to_string(k);
    std::cout << fmt::format("{}. {:<12} {:.4f}\n", i + 1, label, p[k]);
  }
  return 0;
}

int run_summary(const ConfigArgs& args) {
  const Config c = load(args);
  const TrainingData d = load_training_data(c, false);
  const std::shared_ptr<nn::Module> model = build_model(c, d);
  std::cout << nn::summary(*model, d.input_shape, d.input_dtype);
  return 0;
}

}  // namespace strata::cli
