#pragma once
// The training configuration the `strata` command reads from YAML, validated field by field; every
// error names the file, line and field.
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

// One layer of the model: its type and arguments, with where it was written for error messages.
struct LayerSpec {
  std::string type;
  YAML::Node args;  // map, sequence, scalar or null
  int line = 0;
};

struct DataConfig {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist
  std::string root;                       // empty: the dataset's default location
  int64_t batch_size = 64;
  bool normalize = true;  // per-dataset mean/std
  int num_workers = 0;
  int64_t limit = 0;  // use only the first N training images (0: all)
  int64_t test_limit = 0;
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd | adam | adamw | rmsprop | adagrad
  double lr = 1e-3;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  std::pair<double, double> betas = {0.9, 0.999};
};

struct SchedulerConfig {
  std::string name;  // empty: none | step | cosine | exponential | onecycle
  int64_t step_size = 1;
  double gamma = 0.1;
  double eta_min = 0.0;
  double max_lr = 0.0;
};

struct Config {
  std::string path;
  std::string name;
  DataConfig data;
  std::vector<LayerSpec> layers;
  std::string loss = "cross_entropy";
  double label_smoothing = 0.0;
  OptimizerConfig optimizer;
  SchedulerConfig scheduler;
  int epochs = 1;
  uint64_t seed = 0;
  int threads = 0;  // 0: leave as is
  std::vector<std::string> metrics = {"loss", "accuracy"};
  YAML::Node raw;  // the document as read, for writing the resolved config
};

// Reads and validates `path`; throws strata::Error naming the file, line and field on any problem.
Config load_config(const std::string& path);
// The resolved config (after command-line overrides) as YAML text.
std::string to_yaml(const Config& config);

}  // namespace strata::cli
