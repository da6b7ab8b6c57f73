#pragma once
// The subcommands of `strata`. Each returns the process exit code; errors are thrown as strata::Error.
#include <optional>
#include <string>

namespace strata::cli {

struct TrainArgs {
  std::string config;
  std::string out;  // default: runs/<config name>
  std::optional<int> epochs;
  std::optional<double> lr;
  std::optional<int64_t> batch_size;
  std::optional<uint64_t> seed;
  std::optional<int> threads;
  bool progress = true;
};

int run_train(const TrainArgs& args);
int run_eval(const std::string& config, const std::string& checkpoint);
int run_predict(const std::string& config, const std::string& checkpoint, const std::string& image, int top_k);
int run_summary(const std::string& config);

}  // namespace strata::cli
