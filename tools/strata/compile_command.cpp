#include "compile_command.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "model_builder.h"
#include "strata/compile/compile.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/strata.h"
#include "training_data.h"
#include "training_setup.h"
#include "validators.h"

namespace strata::cli {
namespace {

CLI::Validator quiet(const CLI::Validator& v) { return CLI::Validator(v).description(""); }

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

CLI::App* add_compile_command(CLI::App& app, CompileArgs& args) {
  CLI::App* cmd = app.add_subcommand("compile", "Trace a config's training step through the graph compiler");
  cmd->add_option("-c,--config", args.config, "YAML training config (see docs/config.md)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("config file"));
  cmd->add_option("--set", args.set, "Change a config field, e.g. --set data.batch_size=32 (repeatable)")
      ->type_name("KEY=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads (overrides training.threads)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_flag("--explain", args.explain,
                "Print the graph before and after the passes, the fusion groups and the memory plan");
  cmd->add_option("--steps", args.steps, "Time N eager and N compiled training steps on the first batch")
      ->type_name("N")
      ->check(quiet(CLI::NonNegativeNumber));
  cmd->footer(
      "Uses the first training batch of the config's data. Modules the compiler cannot trace are named\n"
      "with the reason (they train eagerly under training.compile: true). See docs/compile.md.");
  return cmd;
}

int run_compile(const CompileArgs& args) {
  const Config c = load_config(args.config, cli_overrides(args.set, args.threads));
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  manual_seed(c.training.seed);
  const TrainingData d = load_training_data(c);
  data::DataLoader loader(d.train, {.batch_size = c.data.batch_size, .collate = d.collate});
  const data::Batch batch = *loader.begin();
  const std::shared_ptr<nn::Module> model = build_model(c, d);
  const std::shared_ptr<optim::Optimizer> optimizer = make_optimizer(c, *model);
  model->train();

  compiler::CompiledTrainingStep step(*model, *optimizer, {.notify = false});
  const auto start = std::chrono::steady_clock::now();
  const Tensor loss = step.step(batch.input, batch.target);
  const double first_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (args.explain) std::cout << step.explain();
  nlohmann::ordered_json line = {{"compiled", step.compiled()},
                                 {"reason", step.fallback_reason()},
                                 {"first_step_ms", first_ms},
                                 {"loss", loss.item()},
                                 {"batch", batch.size()}};
  if (args.steps > 0) {
    // Eager first, then compiled, on the same batch: CPU time per step (the fair figure on a busy host).
    double t0 = cpu_seconds();
    for (int i = 0; i < args.steps; ++i) {
      optimizer->zero_grad();
      Tensor l = ops::cross_entropy(model->forward(batch.input), batch.target);
      l.backward();
      optimizer->step();
    }
    const double eager_ms = (cpu_seconds() - t0) * 1e3 / args.steps;
    t0 = cpu_seconds();
    for (int i = 0; i < args.steps; ++i) step.step(batch.input, batch.target);
    const double compiled_ms = (cpu_seconds() - t0) * 1e3 / args.steps;
    line["eager_ms"] = eager_ms;
    line["compiled_ms"] = compiled_ms;
    line["speedup"] = eager_ms / compiled_ms;
  }
  std::cout << line.dump() << "\n";
  return 0;
}

}  // namespace strata::cli
