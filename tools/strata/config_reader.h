#pragma once
// The reader of `strata train` YAML configs, private to the CLI. Its members are defined by section:
// config_data*.cpp (data), config_model.cpp (model), config_training.cpp (loss, optimizers, scheduler,
// training, init, freeze, distill, prune) and config.cpp (the whole document).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config.h"
#include "field_reader.h"

namespace strata::cli::detail {

// Reads one document into a Config. Errors are prefixed with "file:line:" or, for a field that a
// command-line override set, with that override as the user wrote it.
class Reader : public FieldReader {
 public:
  Reader(std::string path, std::vector<Override> overrides, bool check_text_path)
      : FieldReader(std::move(path), std::move(overrides)), check_text_path_(check_text_path) {}
  using FieldReader::read;  // the field readers, beside read() below

  // config_data.cpp
  void read_data(const YAML::Node& node, DataConfig& d) const;
  void read_subset(const YAML::Node& node, DataConfig& d) const;
  void read_image_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const;
  void read_augment(const YAML::Node& node, DataConfig& d) const;

  // config_data_text.cpp
  void read_text_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const;
  void read_text_augment(const YAML::Node& node, TextAugmentConfig& a) const;

  // config_data_table.cpp
  void read_table_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const;
  void read_column_types(const YAML::Node& node, TableDataConfig& t) const;
  TableStepConfig read_table_step(const YAML::Node& item) const;

  // config_model.cpp
  void read_layers(const YAML::Node& list, ModelConfig& m) const;
  void read_zoo(const YAML::Node& node, ModelConfig& m) const;
  void read_model(const YAML::Node& node, ModelConfig& m) const;

  // config_training.cpp
  static std::set<std::string> cli_losses();
  void read_loss(const YAML::Node& node, LossConfig& l) const;
  void read_optimizer(const YAML::Node& node, OptimizerConfig& o,
                      const std::string& field = "optimizer") const;
  void read_optimizers(const YAML::Node& node, std::map<std::string, OptimizerConfig>& out) const;
  void read_param_groups(const YAML::Node& node, OptimizerConfig& o) const;
  void read_init(const YAML::Node& node, InitConfig& in) const;
  void read_distill(const YAML::Node& node, DistillConfig& d) const;
  void read_prune(const YAML::Node& node, PruneConfig& p) const;
  void read_freeze(const YAML::Node& node, FreezeConfig& f) const;
  void read_scheduler(const YAML::Node& node, SchedulerConfig& s, const OptimizerConfig& o,
                      const std::vector<std::string>& metrics) const;
  void check_monitor(const YAML::Node& node, const std::string& field, const std::string& value,
                     const std::vector<std::string>& metrics) const;
  void read_training(const YAML::Node& node, TrainingConfig& t,
                     const std::vector<std::string>& metrics) const;
  void read_metrics(const YAML::Node& node, std::vector<std::string>& metrics) const;

  // config.cpp
  Config read() const;

 private:
  bool check_text_path_;
};

}  // namespace strata::cli::detail
