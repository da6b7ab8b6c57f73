#include "canvas_command.h"

#include "commands.h"
#include "model_builder.h"
#include "strata/core/threading.h"

namespace strata::cli {

CLI::App* add_canvas_command(CLI::App& app, CanvasArgs& args, const std::string& name,
                             const std::string& description, const std::string& model,
                             const std::string& out_help) {
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->add_option("-c,--config", args.config, "YAML training config (model.zoo: " + model + ")")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", args.checkpoint, "Trained weights (a run's last.safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args.out, out_help)->type_name("FILE");
  cmd->add_option("--count", args.count, "Canvases drawn (default 8)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args.threads, "CPU threads")->type_name("N")->check(CLI::PositiveNumber);
  return cmd;
}

CanvasRun load_canvas_run(const CanvasArgs& args) {
  CanvasRun run;
  run.config = load_config(args.config);
  if (args.threads) {
    set_num_threads(*args.threads);
  } else if (run.config.training.threads > 0) {
    set_num_threads(run.config.training.threads);
  }
  run.data = load_training_data(run.config, false);
  run.model = build_model(run.config, run.data);
  return run;
}

}  // namespace strata::cli
