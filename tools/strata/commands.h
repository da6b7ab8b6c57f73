#pragma once
// The subcommands of `strata`. Each returns the process exit code; errors are thrown as strata::Error.
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "strata/nn/module.h"

namespace strata::cli {

// What every subcommand reads: the config and the command-line changes to it.
struct ConfigArgs {
  std::string config;
  std::vector<std::string> set;  // --set KEY=VALUE, in order
  std::optional<int> threads;
};

struct TrainArgs : ConfigArgs {
  std::string out;  // default: runs/<config name>
  std::optional<int> epochs;
  std::optional<double> lr;
  std::optional<int64_t> batch_size;
  std::optional<uint64_t> seed;
  std::string init;  // --init CKPT: init.checkpoint
  bool progress = true;
  std::string resume;  // --resume CKPT: continue a run from its last.safetensors (any number of ranks)
};

// The config of a command with its --set and --threads changes (and `extra` ones) applied; sets the thread
// count and seeds the default generator from training.seed.
Config load(const ConfigArgs& args, std::vector<Override> extra = {});
// Loads model weights from a training checkpoint ("model." entries), a plain state dict or a strata quantize
// file; errors name the checkpoint and the config whose model it does not fit.
void load_weights(nn::Module& model, const std::string& path, const std::string& config_path);

// Trains, writes the run folder and prints the final test metrics as one JSON line on stdout.
int run_train(const TrainArgs& args);
// Evaluates a checkpoint on the test split and prints the metrics as one JSON line; for classifiers also
// writes classification_report.txt, confusion_matrix.png, roc.png and eval_metrics.json into `out`
// (default: the checkpoint's folder). With `onnx_model` the imported ONNX model replaces the config's model
// and the checkpoint (the config still gives the data).
int run_eval(const ConfigArgs& args, const std::string& checkpoint, const std::string& out = {},
             const std::string& onnx_model = {});
// Classifies one PNG/JPEG image and prints the top-k classes with their probabilities (of the imported ONNX
// model when `onnx_model` is given).
int run_predict(const ConfigArgs& args, const std::string& checkpoint, const std::string& image, int top_k,
                const std::string& onnx_model = {});
// Prints the model's layers, output shapes and parameter counts.
int run_summary(const ConfigArgs& args);

}  // namespace strata::cli
