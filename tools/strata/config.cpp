#include "config.h"

#include <filesystem>
#include <set>

#include "strata/core/error.h"

namespace strata::cli {
namespace {

int line_of(const YAML::Node& node) { return node.Mark().line + 1; }

[[noreturn]] void fail_at(const std::string& path, const YAML::Node& node, const std::string& message) {
  if (node.IsDefined() && node.Mark().line >= 0) throw Error(fmt::format("{}:{}: {}", path, line_of(node), message));
  throw Error(fmt::format("{}: {}", path, message));
}

template <typename T>
const char* type_word() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean";
  if constexpr (std::is_integral_v<T>) return "an integer";
  if constexpr (std::is_floating_point_v<T>) return "a number";
  return "a string";
}

// Reads `field` of map `node` into `out` when present; a wrong type names the file, line and field.
template <typename T>
void read(const std::string& path, const YAML::Node& node, const std::string& section, const char* field, T& out) {
  const YAML::Node v = node[field];
  if (!v.IsDefined() || v.IsNull()) return;
  try {
    STRATA_CHECK(v.IsScalar(), "not a scalar");
    out = v.as<T>();
  } catch (const std::exception&) {
    fail_at(path, v, fmt::format("field '{}.{}' must be {}, got '{}'", section, field, type_word<T>(),
                                 v.IsScalar() ? v.Scalar() : "a " + std::string(v.IsMap() ? "map" : "list")));
  }
}

void check_keys(const std::string& path, const YAML::Node& node, const std::string& section,
                const std::set<std::string>& allowed) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) fail_at(path, node, fmt::format("'{}' must be a map", section));
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      fail_at(path, kv.first, fmt::format("unknown field '{}{}{}' (known: {})", section, section.empty() ? "" : ".", key,
                                          known));
    }
  }
}

std::vector<LayerSpec> read_layers(const std::string& path, const YAML::Node& model) {
  std::vector<LayerSpec> layers;
  if (model.IsScalar()) {
    layers.push_back({"@" + model.as<std::string>(), YAML::Node(), line_of(model)});
    return layers;
  }
  check_keys(path, model, "model", {"name", "layers", "classes"});
  if (model["name"].IsDefined()) {
    LayerSpec named{"@" + model["name"].as<std::string>(), model, line_of(model["name"])};
    layers.push_back(named);
    return layers;
  }
  const YAML::Node list = model["layers"];
  if (!list.IsDefined()) fail_at(path, model, "field 'model.layers' is missing (or give 'model.name')");
  if (!list.IsSequence() || list.size() == 0) fail_at(path, list, "'model.layers' must be a non-empty list of layers");
  for (const auto& item : list) {
    if (item.IsScalar()) {
      layers.push_back({item.as<std::string>(), YAML::Node(), line_of(item)});
    } else if (item.IsMap() && item.size() == 1) {
      auto kv = *item.begin();
      layers.push_back({kv.first.as<std::string>(), kv.second, line_of(item)});
    } else {
      fail_at(path, item, "each layer must be a name ('relu') or a one-entry map ('linear: {in: 4, out: 2}')");
    }
  }
  return layers;
}

}  // namespace

Config load_config(const std::string& path) {
  STRATA_CHECK(std::filesystem::exists(path), "config file {} does not exist", path);
  Config c;
  c.path = path;
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    throw Error(fmt::format("{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: cannot read: {}", path, e.what()));
  }
  if (!doc.IsMap()) fail_at(path, doc, "the config must be a YAML map");
  c.raw = doc;
  check_keys(path, doc, "", {"name", "data", "model", "loss", "optimizer", "scheduler", "training", "metrics"});
  read(path, doc, "", "name", c.name);

  const YAML::Node data = doc["data"];
  check_keys(path, data, "data", {"dataset", "root", "batch_size", "normalize", "num_workers", "limit", "test_limit"});
  read(path, data, "data", "dataset", c.data.dataset);
  read(path, data, "data", "root", c.data.root);
  read(path, data, "data", "batch_size", c.data.batch_size);
  read(path, data, "data", "normalize", c.data.normalize);
  read(path, data, "data", "num_workers", c.data.num_workers);
  read(path, data, "data", "limit", c.data.limit);
  read(path, data, "data", "test_limit", c.data.test_limit);
  if (c.data.dataset != "fashion-mnist" && c.data.dataset != "mnist") {
    fail_at(path, data["dataset"], fmt::format("unknown dataset '{}' (known: fashion-mnist, mnist)", c.data.dataset));
  }
  if (c.data.batch_size <= 0) fail_at(path, data["batch_size"], "field 'data.batch_size' must be positive");

  if (!doc["model"].IsDefined()) fail_at(path, doc, "field 'model' is missing");
  c.layers = read_layers(path, doc["model"]);

  const YAML::Node loss = doc["loss"];
  if (loss.IsScalar()) {
    c.loss = loss.as<std::string>();
  } else if (loss.IsMap()) {
    check_keys(path, loss, "loss", {"name", "label_smoothing"});
    read(path, loss, "loss", "name", c.loss);
    read(path, loss, "loss", "label_smoothing", c.label_smoothing);
  }
  const std::set<std::string> losses{"cross_entropy", "nll", "mse", "l1"};
  if (!losses.count(c.loss)) {
    fail_at(path, loss, fmt::format("unknown loss '{}' (known: cross_entropy, nll, mse, l1)", c.loss));
  }

  const YAML::Node opt = doc["optimizer"];
  check_keys(path, opt, "optimizer", {"name", "lr", "momentum", "nesterov", "weight_decay", "betas"});
  read(path, opt, "optimizer", "name", c.optimizer.name);
  read(path, opt, "optimizer", "lr", c.optimizer.lr);
  read(path, opt, "optimizer", "momentum", c.optimizer.momentum);
  read(path, opt, "optimizer", "nesterov", c.optimizer.nesterov);
  read(path, opt, "optimizer", "weight_decay", c.optimizer.weight_decay);
  if (opt.IsDefined() && opt["betas"].IsDefined()) {
    const YAML::Node b = opt["betas"];
    if (!b.IsSequence() || b.size() != 2) fail_at(path, b, "field 'optimizer.betas' must be a list of two numbers");
    try {
      c.optimizer.betas = {b[0].as<double>(), b[1].as<double>()};
    } catch (const YAML::Exception&) {
      fail_at(path, b, "field 'optimizer.betas' must be a list of two numbers");
    }
  }
  const std::set<std::string> optimizers{"sgd", "adam", "adamw", "rmsprop", "adagrad"};
  if (!optimizers.count(c.optimizer.name)) {
    fail_at(path, opt["name"], fmt::format("unknown optimizer '{}' (known: sgd, adam, adamw, rmsprop, adagrad)",
                                           c.optimizer.name));
  }
  if (!(c.optimizer.lr > 0)) fail_at(path, opt["lr"], "field 'optimizer.lr' must be positive");

  const YAML::Node sched = doc["scheduler"];
  check_keys(path, sched, "scheduler", {"name", "step_size", "gamma", "eta_min", "max_lr"});
  read(path, sched, "scheduler", "name", c.scheduler.name);
  read(path, sched, "scheduler", "step_size", c.scheduler.step_size);
  read(path, sched, "scheduler", "gamma", c.scheduler.gamma);
  read(path, sched, "scheduler", "eta_min", c.scheduler.eta_min);
  read(path, sched, "scheduler", "max_lr", c.scheduler.max_lr);
  const std::set<std::string> schedulers{"", "step", "cosine", "exponential", "onecycle"};
  if (!schedulers.count(c.scheduler.name)) {
    fail_at(path, sched["name"], fmt::format("unknown scheduler '{}' (known: step, cosine, exponential, onecycle)",
                                             c.scheduler.name));
  }

  const YAML::Node training = doc["training"];
  check_keys(path, training, "training", {"epochs", "seed", "threads"});
  read(path, training, "training", "epochs", c.epochs);
  read(path, training, "training", "seed", c.seed);
  read(path, training, "training", "threads", c.threads);
  if (c.epochs <= 0) fail_at(path, training["epochs"], "field 'training.epochs' must be positive");

  const YAML::Node metrics = doc["metrics"];
  if (metrics.IsDefined()) {
    if (!metrics.IsSequence()) fail_at(path, metrics, "'metrics' must be a list");
    c.metrics.clear();
    for (const auto& m : metrics) {
      const std::string name = m.as<std::string>();
      if (name != "loss" && name != "accuracy") {
        fail_at(path, m, fmt::format("unknown metric '{}' (known: loss, accuracy)", name));
      }
      c.metrics.push_back(name);
    }
  }
  return c;
}

std::string to_yaml(const Config& c) {
  YAML::Node out = YAML::Clone(c.raw);
  out["data"]["dataset"] = c.data.dataset;
  out["data"]["batch_size"] = c.data.batch_size;
  out["optimizer"]["name"] = c.optimizer.name;
  out["optimizer"]["lr"] = c.optimizer.lr;
  out["training"]["epochs"] = c.epochs;
  out["training"]["seed"] = c.seed;
  if (c.threads > 0) out["training"]["threads"] = c.threads;
  YAML::Emitter emitter;
  emitter << out;
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace strata::cli
