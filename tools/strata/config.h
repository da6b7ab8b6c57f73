#pragma once
// The training configuration the `strata` command reads from YAML, validated field by field; every
// error names the file, line and field (or the command-line override that set it). docs/config.md
// documents the schema.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata::cli {

// One layer of the model: its type and arguments, with where it was written for error messages.
struct LayerSpec {
  std::string type;
  YAML::Node args;    // map, sequence, scalar or null
  std::string where;  // "file:line", or the override that set the layer list
};

// data.text: the text datasets (dataset text-lm or text-folder); read by Reader::read_text_data.
struct TextDataConfig {};

// data.table: a CSV/ARFF table with a target column and cleaning steps (dataset table); read by
// Reader::read_table_data.
struct TableDataConfig {};

struct DataConfig {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | text-lm | text-folder | table
  std::string root;                       // empty: the dataset's default location
  int64_t batch_size = 64;
  bool normalize = true;  // subtract the dataset's mean pixel, divide by its standard deviation
  bool shuffle = true;
  int num_workers = 0;
  int64_t limit = 0;          // use only the first N training images (0: all)
  int64_t test_limit = 0;     // use only the first N test images (0: all)
  double val_fraction = 0.0;  // > 0: hold out this fraction of the training images for validation
  TextDataConfig text;
  TableDataConfig table;
  YAML::Node augment;  // data.augment: image augmentation of the training split, as `strata data augment`
};

struct ModelConfig {
  std::string name;  // a named model (lenet5, mlp); empty: `layers`
  int64_t classes = 10;
  std::vector<int64_t> sizes = {784, 256, 128, 10};  // mlp
  double dropout = 0.0;                              // mlp
  std::vector<LayerSpec> layers;
  YAML::Node node;    // as written, for the resolved config
  std::string where;  // "file:line", or the override that set the model
};

struct LossConfig {
  std::string name = "cross_entropy";  // cross_entropy | nll | mse | l1 | smooth_l1 | huber
  double label_smoothing = 0.0;
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd | adam | adamw | rmsprop | adagrad
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  std::pair<double, double> betas = {0.9, 0.999};
  std::optional<double> eps;  // unset: the optimiser's own default
  bool amsgrad = false;
  double alpha = 0.99;
  bool centered = false;
  double lr_decay = 0.0;
};

struct SchedulerConfig {
  std::string name;  // empty (none) | step | multistep | exponential | cosine | onecycle | plateau
  int64_t step_size = 1;
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  double eta_min = 0.0;
  double max_lr = 0.0;  // onecycle; 0: optimizer.lr
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  std::string anneal = "cos";  // cos | linear
  double factor = 0.1;         // plateau
  int64_t patience = 10;
  double threshold = 1e-4;
  int64_t cooldown = 0;
  double min_lr = 0.0;
  std::string monitor = "val_loss";
};

struct EarlyStoppingConfig {
  bool enabled = false;
  std::string monitor = "val_loss";
  int patience = 3;
  double min_delta = 0.0;
};

struct TrainingConfig {
  int epochs = 1;
  uint64_t seed = 0;
  int threads = 0;                       // 0: leave as is (STRATA_NUM_THREADS or all cores)
  std::string monitor = "val_accuracy";  // picks best.safetensors
  EarlyStoppingConfig early_stopping;
};

// A command-line change to one field, e.g. {"optimizer.lr", "0.01", "--lr 0.01"}.
struct Override {
  std::string key;     // dotted path
  std::string value;   // YAML text
  std::string origin;  // how the user wrote it, for error messages
};

struct Config {
  std::string path;
  std::string name;
  DataConfig data;
  ModelConfig model;
  LossConfig loss;
  OptimizerConfig optimizer;
  SchedulerConfig scheduler;
  TrainingConfig training;
  std::vector<std::string> metrics = {"loss", "accuracy"};
};

// " (did you mean 'flatten'?)" when a known word is within a small edit distance of `word`, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);
// Parses "key.path=value" (the text of --set) into an Override; throws when there is no '='.
Override parse_override(const std::string& text);
// Reads `path`, applies `overrides` in order and validates everything; throws strata::Error naming the
// file, line and field (or the override) on any problem.
Config load_config(const std::string& path, const std::vector<Override>& overrides = {});
// The resolved config (defaults filled in, overrides applied) as YAML that load_config reads back.
std::string to_yaml(const Config& config);

}  // namespace strata::cli
