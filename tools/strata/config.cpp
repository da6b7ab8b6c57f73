#include "config.h"

#include <filesystem>

#include "config_reader.h"
#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"

namespace strata::cli {

namespace detail {

Config Reader::read() const {
  Config c;
  c.path = path_;
  YAML::Node doc = load_document();
  check_keys(doc, "",
             {"name", "data", "model", "loss", "optimizer", "scheduler", "training", "metrics", "init",
              "freeze", "distill", "prune", "optimizers", "federated", "pretrain"});
  if (doc["name"].IsDefined() && !doc["name"].IsNull()) c.name = as<std::string>(doc["name"], "name");
  read_data(doc["data"], c.data);
  read_model(doc["model"].IsDefined() ? doc["model"] : YAML::Node(), c.model);
  read_loss(doc["loss"], c.loss);
  read_optimizer(doc["optimizer"], c.optimizer);
  read_optimizers(doc["optimizers"], c.optimizers);
  read_metrics(doc["metrics"], c.metrics);
  read_scheduler(doc["scheduler"], c.scheduler, c.optimizer, c.metrics);
  read_training(doc["training"], c.training, c.metrics);
  read_init(doc["init"], c.init);
  read_freeze(doc["freeze"], c.freeze);
  read_distill(doc["distill"], c.distill);
  read_prune(doc["prune"], c.prune);
  if (c.scheduler.name == "onecycle" && !c.optimizer.param_groups.empty()) {
    fail(doc["optimizer"]["param_groups"], "optimizer.param_groups",
         "field 'optimizer.param_groups' does not combine with scheduler 'onecycle', which sets one peak "
         "rate "
         "for every group (use cosine, step, multistep, exponential or plateau)");
  }
  return c;
}

}  // namespace detail

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  return strata::did_you_mean(word, known);
}

Override parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  STRATA_CHECK(eq != std::string::npos && eq > 0,
               "--set {}: expected KEY=VALUE, e.g. --set optimizer.lr=0.01", text);
  const std::string key = text.substr(0, eq);
  STRATA_CHECK(key.find("..") == std::string::npos && key.front() != '.' && key.back() != '.',
               "--set {}: '{}' is not a dotted field path such as optimizer.lr", text, key);
  return {key, text.substr(eq + 1), "--set " + text};
}

std::vector<Override> cli_overrides(const std::vector<std::string>& set, std::optional<int> threads) {
  std::vector<Override> overrides;
  for (const auto& s : set) overrides.push_back(parse_override(s));
  if (threads)
    overrides.push_back(
        {"training.threads", std::to_string(*threads), fmt::format("--threads {}", *threads)});
  return overrides;
}

Config load_config(const std::string& path, const std::vector<Override>& overrides, bool check_text_path) {
  STRATA_CHECK(std::filesystem::is_regular_file(path), "config file {} does not exist", path);
  return detail::Reader(path, overrides, check_text_path).read();
}

}  // namespace strata::cli
