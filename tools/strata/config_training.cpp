// Reader: loss, optimizer(s), scheduler, training, init, freeze, distill and prune of a `strata train`
// config.
#include <algorithm>
#include <map>
#include <set>

#include "config_reader.h"
#include "strata/core/factory.h"
#include "strata/metrics/registry.h"
#include "strata/nn/loss_registry.h"
#include "strata/optim/registry.h"
#include "strata/optim/sgd.h"
#include "training_setup.h"

namespace strata::cli::detail {

// Losses that fit a classifier's logits; the CLI gives the regression ones one-hot targets.
std::set<std::string> Reader::cli_losses() {
  return {"cross_entropy", "nll", "mse", "l1", "smooth_l1", "huber", "bce_with_logits"};
}

void Reader::read_loss(const YAML::Node& node, LossConfig& l) const {
  std::map<std::string, std::set<std::string>> fields;
  for (const auto& t : nn::loss_types()) {
    if (!cli_losses().count(t.name)) continue;
    for (const auto& o : t.options) fields[t.name].insert(o.name);
  }
  const auto [names, all] = variant_keys(fields);
  check_section(node, "loss", true);
  check_keys(node, "loss", all);
  l.name = name_of(node, "loss", l.name, names);
  check_applies(node, "loss", l.name, fields.at(l.name));
  l.options = read_options(node, "loss", nn::loss_type(l.name).options, {});
  check_options(node, "loss", l.options, [&] { nn::create_loss(l.name, l.options); });
}

void Reader::read_optimizer(const YAML::Node& node, OptimizerConfig& o, const std::string& field) const {
  std::map<std::string, std::set<std::string>> fields;
  for (const auto& t : optim::optimizer_types()) {
    fields[t.name] = {"param_groups"};
    for (const auto& spec : t.options) fields[t.name].insert(spec.name);
  }
  const auto [names, all] = variant_keys(fields);
  check_section(node, field, true);
  check_keys(node, field, all);
  o.name = name_of(node, field, o.name, names);
  check_applies(node, field, o.name, fields.at(o.name));
  const optim::OptimizerType& type = optim::optimizer_type(o.name);
  // The learning rate is the CLI's own (tune and onecycle read it); its default is the optimiser's.
  o.lr = nn::LayerArgs(o.name, type.options, {}, {}, {}, field).number("lr");
  read(node, field, "lr", o.lr);
  auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
  if (!(o.lr > 0))
    fail(at("lr"), field + ".lr", fmt::format("field '{}.lr' must be positive, got {}", field, o.lr));
  o.options = read_options(node, field, type.options, {"lr"});
  check_options(node, field, o.options, [&] {
    Tensor p = zeros({1}).requires_grad_();
    optim::create_optimizer(o.name, {{.params = {p}, .lr = o.lr}}, o.options);
  });
  if (node.IsMap() && field == "optimizer") read_param_groups(node["param_groups"], o);
  if (node.IsMap() && field != "optimizer" && node["param_groups"].IsDefined())
    fail(node["param_groups"], field + ".param_groups",
         fmt::format("field '{}.param_groups' is not supported (only optimizer.param_groups)", field));
}

// optimizers: {generator: {name: adam, lr: 2e-4, betas: [0.5, 0.999]}, discriminator: {...}}: one optimiser
// per network of a training module (the network names are checked against the model when it is built).
void Reader::read_optimizers(const YAML::Node& node, std::map<std::string, OptimizerConfig>& out) const {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    fail(node, "optimizers",
         fmt::format("field 'optimizers' must be a map of network name -> optimizer (e.g. {{generator: "
                     "{{name: adam, lr: 0.0002}}}}), got {}",
                     describe(node)));
  }
  for (const auto& item : node) {
    const std::string network = item.first.as<std::string>();
    OptimizerConfig o;
    read_optimizer(item.second, o, "optimizers." + network);
    out[network] = std::move(o);
  }
}

// optimizer.param_groups: [{params: "fc.*", lr: 0.01}, ...].
void Reader::read_param_groups(const YAML::Node& node, OptimizerConfig& o) const {
  const std::string field = "optimizer.param_groups";
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    fail(node, field,
         fmt::format("field '{}' must be a list of {{params: <glob>, lr: <number>}}, got {}", field,
                     describe(node)));
  }
  o.param_groups.clear();
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string entry = fmt::format("{}[{}]", field, i);
    if (!item.IsMap()) {
      fail(item, field,
           fmt::format("'{}' must be a map {{params: <glob>, lr: <number>}}, got {}", entry, describe(item)));
    }
    check_keys(item, entry, {"params", "lr"});
    ParamGroupConfig g;
    g.where = where(item, field);
    if (!read(item, entry, "params", g.params) || g.params.empty())
      fail(item, field, fmt::format("field '{}.params' is missing (a glob on parameter names)", entry));
    if (!read(item, entry, "lr", g.lr)) fail(item, field, fmt::format("field '{}.lr' is missing", entry));
    if (!(g.lr > 0))
      fail(item["lr"], field, fmt::format("field '{}.lr' must be positive, got {}", entry, g.lr));
    for (const auto& other : o.param_groups) {
      if (other.params == g.params)
        fail(item["params"], field, fmt::format("'{}' repeats the pattern '{}'", entry, g.params));
    }
    o.param_groups.push_back(g);
  }
}

// init: {checkpoint, skip, rename, strict}.
void Reader::read_init(const YAML::Node& node, InitConfig& in) const {
  check_section(node, "init", false);
  if (!node.IsDefined() || node.IsNull()) return;
  check_keys(node, "init", {"checkpoint", "skip", "rename", "strict"});
  if (!read(node, "init", "checkpoint", in.checkpoint) || in.checkpoint.empty())
    fail(node, "init.checkpoint", "field 'init.checkpoint' is missing (the safetensors file to start from)");
  in.where = where(node["checkpoint"], "init.checkpoint");
  read_list(node, "init", "skip", in.skip);
  for (const auto& g : in.skip) {
    if (g.empty()) fail(node["skip"], "init.skip", "field 'init.skip' must hold non-empty globs");
  }
  read(node, "init", "strict", in.strict);
  const YAML::Node rename = node["rename"];
  if (rename.IsDefined() && !rename.IsNull()) {
    if (!rename.IsMap()) {
      fail(rename, "init.rename",
           fmt::format("field 'init.rename' must be a map of prefixes {{from: to}}, got {}",
                       describe(rename)));
    }
    in.rename.clear();
    for (const auto& kv : rename) {
      const std::string from = as<std::string>(kv.first, "init.rename");
      // An empty or null value renames to nothing: {"backbone.": ""} or {backbone.: }.
      const std::string to = kv.second.IsNull() ? "" : as<std::string>(kv.second, "init.rename." + from);
      in.rename.emplace_back(from, to);
    }
  }
}

// distill: {teacher_config, teacher_checkpoint, temperature, alpha}.
void Reader::read_distill(const YAML::Node& node, DistillConfig& d) const {
  check_section(node, "distill", false);
  if (!node.IsDefined() || node.IsNull()) return;
  check_keys(node, "distill",
             {"teacher_config", "teacher_checkpoint", "temperature", "alpha", "cache_teacher_logits"});
  if (!read(node, "distill", "teacher_config", d.teacher_config) || d.teacher_config.empty())
    fail(node, "distill.teacher_config",
         "field 'distill.teacher_config' is missing (the teacher's YAML config)");
  d.where = where(node["teacher_config"], "distill.teacher_config");
  if (!read(node, "distill", "teacher_checkpoint", d.teacher_checkpoint) || d.teacher_checkpoint.empty())
    fail(node, "distill.teacher_checkpoint",
         "field 'distill.teacher_checkpoint' is missing (the teacher's trained weights)");
  if (read(node, "distill", "temperature", d.temperature) && !(d.temperature > 0.0))
    fail(node["temperature"], "distill.temperature",
         fmt::format("field 'distill.temperature' must be positive, got {}", d.temperature));
  if (read(node, "distill", "alpha", d.alpha) && !(d.alpha >= 0.0 && d.alpha <= 1.0))
    fail(node["alpha"], "distill.alpha",
         fmt::format("field 'distill.alpha' must be in [0, 1], got {}", d.alpha));
  read(node, "distill", "cache_teacher_logits", d.cache_teacher_logits);
}

// prune: {method, sparsity, schedule, begin_step, end_step, frequency, initial_sparsity, layers,
// round_to}.
void Reader::read_prune(const YAML::Node& node, PruneConfig& p) const {
  check_section(node, "prune", false);
  if (!node.IsDefined() || node.IsNull()) return;
  check_keys(node, "prune",
             {"method", "sparsity", "schedule", "begin_step", "end_step", "frequency", "initial_sparsity",
              "layers", "round_to"});
  const std::set<std::string> methods = {"global", "layer", "channels"};
  if (!read(node, "prune", "method", p.method))
    fail(node, "prune.method", "field 'prune.method' is missing (global, layer or channels)");
  if (!methods.count(p.method))
    fail(node["method"], "prune.method",
         fmt::format("field 'prune.method' must be global, layer or channels, got '{}'{}", p.method,
                     did_you_mean(p.method, {"global", "layer", "channels"})));
  p.where = where(node["method"], "prune.method");
  const bool channels = p.method == "channels";
  if (read(node, "prune", "sparsity", p.sparsity) &&
      !(p.sparsity >= 0.0 && (channels ? p.sparsity < 1.0 : p.sparsity <= 1.0)))
    fail(node["sparsity"], "prune.sparsity",
         fmt::format("field 'prune.sparsity' must be in [0, 1{} for method '{}', got {}",
                     channels ? ")" : "]", p.method, p.sparsity));
  if (read(node, "prune", "schedule", p.schedule) && p.schedule != "one_shot" && p.schedule != "polynomial")
    fail(node["schedule"], "prune.schedule",
         fmt::format("field 'prune.schedule' must be one_shot or polynomial, got '{}'{}", p.schedule,
                     did_you_mean(p.schedule, {"one_shot", "polynomial"})));
  if (read(node, "prune", "begin_step", p.begin_step) && p.begin_step < 0)
    fail(node["begin_step"], "prune.begin_step",
         fmt::format("field 'prune.begin_step' must be non-negative, got {}", p.begin_step));
  const bool polynomial = p.schedule == "polynomial";
  for (const char* key : {"end_step", "frequency", "initial_sparsity"}) {
    if (!polynomial && node[key].IsDefined() && !node[key].IsNull())
      fail(node[key], std::string("prune.") + key,
           fmt::format("field 'prune.{}' applies to schedule polynomial, not '{}'", key, p.schedule));
  }
  if (read(node, "prune", "end_step", p.end_step) && p.end_step != 0 && p.end_step <= p.begin_step)
    fail(node["end_step"], "prune.end_step",
         fmt::format("field 'prune.end_step' must be after prune.begin_step ({}), got {}", p.begin_step,
                     p.end_step));
  if (read(node, "prune", "frequency", p.frequency) && p.frequency < 0)
    fail(node["frequency"], "prune.frequency",
         fmt::format("field 'prune.frequency' must be positive (0: automatic), got {}", p.frequency));
  if (read(node, "prune", "initial_sparsity", p.initial_sparsity) &&
      !(p.initial_sparsity >= 0.0 && p.initial_sparsity <= p.sparsity))
    fail(node["initial_sparsity"], "prune.initial_sparsity",
         fmt::format("field 'prune.initial_sparsity' must be in [0, prune.sparsity = {}], got {}", p.sparsity,
                     p.initial_sparsity));
  if (read_list(node, "prune", "layers", p.layers)) {
    for (const auto& g : p.layers) {
      if (g.empty()) fail(node["layers"], "prune.layers", "field 'prune.layers' must hold non-empty globs");
    }
    p.layers_where = where(node["layers"], "prune.layers");
  }
  if (read(node, "prune", "round_to", p.round_to) && p.round_to < 1)
    fail(node["round_to"], "prune.round_to",
         fmt::format("field 'prune.round_to' must be at least 1, got {}", p.round_to));
  if (!channels && node["round_to"].IsDefined() && !node["round_to"].IsNull())
    fail(node["round_to"], "prune.round_to",
         fmt::format("field 'prune.round_to' applies to method channels, not '{}'", p.method));
  if (channels && (polynomial || p.begin_step != 0))
    fail(node[polynomial ? "schedule" : "begin_step"], polynomial ? "prune.schedule" : "prune.begin_step",
         "method channels removes channels once, before training: it takes schedule one_shot at "
         "begin_step 0");
}

// freeze: a list of globs, or {patterns: [...], unfreeze_at_epoch: N}.
void Reader::read_freeze(const YAML::Node& node, FreezeConfig& f) const {
  if (!node.IsDefined() || node.IsNull()) return;
  YAML::Node patterns = node;
  if (node.IsMap()) {
    check_keys(node, "freeze", {"patterns", "unfreeze_at_epoch"});
    if (!node["patterns"].IsDefined() || node["patterns"].IsNull())  // resetting to an absent node throws
      fail(node, "freeze.patterns", "field 'freeze.patterns' is missing (globs on parameter names)");
    patterns.reset(node["patterns"]);
    if (read(node, "freeze", "unfreeze_at_epoch", f.unfreeze_at_epoch) && f.unfreeze_at_epoch < 1) {
      fail(node["unfreeze_at_epoch"], "freeze.unfreeze_at_epoch",
           fmt::format("field 'freeze.unfreeze_at_epoch' must be >= 1 (the first epoch is 1), got {}",
                       f.unfreeze_at_epoch));
    }
  } else if (!node.IsSequence() && !node.IsScalar()) {
    fail(node, "freeze", fmt::format("'freeze' must be a list of patterns or a map, got {}", describe(node)));
  }
  const std::string field = node.IsMap() ? "freeze.patterns" : "freeze";
  f.patterns.clear();
  if (patterns.IsScalar()) {
    f.patterns.push_back(as<std::string>(patterns, field));
  } else if (patterns.IsSequence()) {
    for (const auto& p : patterns) f.patterns.push_back(as<std::string>(p, field));
  } else {
    fail(patterns, field,
         fmt::format("field '{}' must be a list of globs, got {}", field, describe(patterns)));
  }
  if (f.patterns.empty()) fail(patterns, field, fmt::format("field '{}' lists no pattern", field));
  for (const auto& p : f.patterns) {
    if (p.empty()) fail(patterns, field, fmt::format("field '{}' must hold non-empty globs", field));
  }
  f.where = where(patterns, field);
}

void Reader::read_scheduler(const YAML::Node& node, SchedulerConfig& s, const OptimizerConfig& o,
                            const std::vector<std::string>& metrics) const {
  // Plateau's mode follows from the metric it monitors, which the CLI names.
  std::map<std::string, std::set<std::string>> fields{{"none", {}}};
  for (const auto& t : optim::scheduler_types()) {
    for (const auto& spec : t.options) {
      if (!(t.name == "plateau" && spec.name == "mode")) fields[t.name].insert(spec.name);
    }
    if (t.needs_metric) fields[t.name].insert("monitor");
  }
  const auto [names, all] = variant_keys(fields);
  check_section(node, "scheduler", true);
  check_keys(node, "scheduler", all);
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsMap() && !node["name"].IsDefined()) fail(node, "scheduler", "field 'scheduler.name' is missing");
  const std::string name = name_of(node, "scheduler", "none", names);
  check_applies(node, "scheduler", name, fields.at(name));
  s.name = name == "none" ? "" : name;
  if (s.name.empty()) return;
  const optim::SchedulerType& type = optim::scheduler_type(s.name);
  s.options = read_options(node, "scheduler", type.options, {"max_lr", "mode"});
  if (s.name == "onecycle") {
    read(node, "scheduler", "max_lr", s.max_lr);
    if (s.max_lr < 0) fail(node["max_lr"], "scheduler.max_lr", "field 'scheduler.max_lr' must be positive");
    if (s.max_lr == 0) s.max_lr = o.lr;
  }
  if (type.needs_metric) {
    read(node, "scheduler", "monitor", s.monitor);
    check_monitor(node.IsMap() && node["monitor"].IsDefined() ? node["monitor"] : node, "scheduler.monitor",
                  s.monitor, metrics);
  }
  check_options(node, "scheduler", s.options, [&] {
    Tensor p = zeros({1}).requires_grad_();
    optim::SGD optimizer({p}, {.lr = o.lr});
    optim::create_scheduler(s.name, optimizer, {.total_steps = 1}, scheduler_options(s));
  });
}

void Reader::check_monitor(const YAML::Node& node, const std::string& field, const std::string& value,
                           const std::vector<std::string>& metrics) const {
  std::vector<std::string> known{"loss", "accuracy"};
  for (const auto& m : metrics) {
    if (std::find(known.begin(), known.end(), m) == known.end()) known.push_back(m);
  }
  for (size_t i = 0, n = known.size(); i < n; ++i) known.push_back("val_" + known[i]);
  if (std::find(known.begin(), known.end(), value) == known.end()) {
    fail(node, field, fmt::format("field '{}' must be one of {}, got '{}'", field, join(known), value));
  }
}

void Reader::read_training(const YAML::Node& node, TrainingConfig& t,
                           const std::vector<std::string>& metrics) const {
  check_section(node, "training", false);
  check_keys(node, "training",
             {"epochs", "seed", "threads", "monitor", "early_stopping", "autocast", "clip_grad_norm",
              "clip_grad_value", "compile"});
  read(node, "training", "epochs", t.epochs);
  read(node, "training", "seed", t.seed);
  read(node, "training", "threads", t.threads);
  read(node, "training", "monitor", t.monitor);
  auto at = [&](const char* key) { return node.IsMap() && node[key].IsDefined() ? node[key] : node; };
  if (t.epochs <= 0)
    fail(at("epochs"), "training.epochs",
         fmt::format("field 'training.epochs' must be positive, got {}", t.epochs));
  if (t.threads < 0)
    fail(at("threads"), "training.threads", "field 'training.threads' must be >= 0 (0: all cores)");
  check_monitor(at("monitor"), "training.monitor", t.monitor, metrics);
  read(node, "training", "autocast", t.autocast);
  if (t.autocast != "off" && t.autocast != "bf16")
    fail(at("autocast"), "training.autocast",
         fmt::format("field 'training.autocast' must be 'off' or 'bf16', got '{}'", t.autocast));
  read(node, "training", "clip_grad_norm", t.clip_grad_norm);
  read(node, "training", "clip_grad_value", t.clip_grad_value);
  read(node, "training", "compile", t.compile);
  for (const auto& [key, value] : {std::pair<const char*, double>{"clip_grad_norm", t.clip_grad_norm},
                                   std::pair<const char*, double>{"clip_grad_value", t.clip_grad_value}}) {
    if (!(value >= 0))
      fail(at(key), std::string("training.") + key,
           fmt::format("field 'training.{}' must be >= 0 (0: off), got {}", key, value));
  }
  const YAML::Node es = node.IsMap() ? node["early_stopping"] : YAML::Node();
  if (!es.IsDefined() || es.IsNull()) return;
  check_section(es, "training.early_stopping", false);
  check_keys(es, "training.early_stopping", {"monitor", "patience", "min_delta"});
  t.early_stopping.enabled = true;
  read(es, "training.early_stopping", "monitor", t.early_stopping.monitor);
  read(es, "training.early_stopping", "patience", t.early_stopping.patience);
  read(es, "training.early_stopping", "min_delta", t.early_stopping.min_delta);
  check_monitor(es["monitor"].IsDefined() ? es["monitor"] : es, "training.early_stopping.monitor",
                t.early_stopping.monitor, metrics);
  if (t.early_stopping.patience < 0) {
    fail(es["patience"], "training.early_stopping.patience",
         "field 'training.early_stopping.patience' must be >= 0");
  }
}

void Reader::read_metrics(const YAML::Node& node, std::vector<std::string>& metrics) const {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence())
    fail(node, "metrics", fmt::format("'metrics' must be a list, got {}", describe(node)));
  metrics.clear();
  for (const auto& m : node) {
    const std::string name = as<std::string>(m, "metrics");
    if (name != "loss") {
      bool scalar = true;
      try {
        scalar = ::strata::metrics::make(name)->is_scalar();
      } catch (const Error& e) {
        fail(m, "metrics", e.what());
      }
      if (!scalar)
        fail(m, "metrics", fmt::format("metric '{}' is not a single number, so it cannot be logged", name));
    }
    metrics.push_back(name);
  }
}

}  // namespace strata::cli::detail
