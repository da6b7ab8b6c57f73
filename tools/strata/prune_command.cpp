#include "prune_command.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "model_builder.h"
#include "strata/compress.h"
#include "strata/data.h"
#include "strata/io/model_state.h"
#include "strata/nn.h"
#include "strata/strata.h"
#include "strata/train.h"
#include "training_data.h"
#include "training_setup.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

CLI::Validator quiet(const CLI::Validator& v) { return CLI::Validator(v).description(""); }

int64_t total_macs(nn::Module& model, const TrainingData& d) {
  int64_t macs = 0;
  for (const auto& layer : nn::profile(model, d.input_shape, d.input_dtype)) macs += layer.macs;
  return macs;
}

constexpr int64_t kTimingBatch = 256;

// Wall and process CPU milliseconds of a forward pass.
struct Timing {
  double wall = 1e300, cpu = 1e300;
};

double cpu_ms_now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

// One forward pass of `model` on `input` (eval mode, no recording); keeps the fastest in `best`.
void time_forward(nn::Module& model, const Tensor& input, Timing& best) {
  NoGradGuard no_grad;
  model.eval();
  const double cpu = cpu_ms_now();
  const auto start = std::chrono::steady_clock::now();
  (void)model(input);
  best.wall = std::min(
      best.wall, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  best.cpu = std::min(best.cpu, cpu_ms_now() - cpu);
}

// The fastest of 30 forward passes of each model on one batch of kTimingBatch test images (wall and
// process CPU time), taken in turn so that both see the same machine load, after two warm-up passes each.
// On a loaded machine the CPU time is the fair figure: the wall time mostly measures waiting for a core.
std::pair<Timing, Timing> inference_ms(nn::Module& a, nn::Module& b, const data::Dataset& test,
                                       const data::Collate& collate) {
  std::vector<data::Example> examples;
  for (int64_t i = 0; i < std::min(kTimingBatch, test.size()); ++i) examples.push_back(test.get(i));
  const Tensor input = (collate ? collate(examples) : data::default_collate(examples)).input;
  Timing warm_a, warm_b, best_a, best_b;
  for (int i = 0; i < 2; ++i) {
    time_forward(a, input, warm_a);
    time_forward(b, input, warm_b);
  }
  for (int pass = 0; pass < 30; ++pass) {
    time_forward(a, input, best_a);
    time_forward(b, input, best_b);
  }
  return {best_a, best_b};
}

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace

CLI::App* add_prune_command(CLI::App& app, PruneArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("prune", "Prune a trained model (magnitude or channels) and fine-tune it");
  cmd->add_option("-c,--config", args.config, "YAML training config of the model")
      ->type_name("FILE")
      ->required()
      ->check(quiet(CLI::ExistingFile));
  cmd->add_option("--checkpoint", args.checkpoint, "Its trained weights (safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(quiet(CLI::ExistingFile));
  cmd->add_option("--out", args.out, "Where to write the pruned weights (safetensors state dict)")
      ->type_name("FILE")
      ->required();
  cmd->add_option("--sparsity", args.sparsity,
                  "Fraction of weights zeroed (with --structured: of conv channels removed); default 0.5")
      ->type_name("S")
      ->check(quiet(CLI::Range(0.0, 1.0)));
  cmd->add_flag("--global", args.global, "One magnitude threshold over all weights (default: per layer)");
  cmd->add_flag("--structured", args.structured,
                "Remove whole conv channels by filter L1 norm: a smaller dense network");
  cmd->add_option("--round-to", args.round_to,
                  "--structured: round kept channel counts up to a multiple of N (default 4; 1: exact)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option(
         "--schedule", args.schedule,
         "oneshot, or gradual (sparsity rises as Zhu & Gupta 2017 over the first 3/4 of fine-tuning)")
      ->type_name("NAME")
      ->check(quiet(CLI::IsMember({"oneshot", "gradual"})));
  cmd->add_option("--fine-tune-epochs", args.fine_tune_epochs,
                  "Epochs of fine-tuning after pruning (default 0)")
      ->type_name("N")
      ->check(quiet(CLI::NonNegativeNumber));
  cmd->add_option("--set", args.set, "Change a config field, e.g. --set optimizer.lr=0.001 (repeatable)")
      ->type_name("KEY=VALUE")
      ->take_last()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_flag(
      "--no-progress", [&args](int64_t) { args.progress = false; }, "Do not draw the progress bar");
  cmd->footer(
      "Fine-tuning uses the config's optimiser, loss and scheduler. Unstructured pruning keeps the masks\n"
      "through fine-tuning (pruned weights stay zero). --structured writes the weights of a smaller network\n"
      "(fewer channels), which the original config no longer describes.");
  return cmd;
}

int run_prune(const PruneArgs& args) {
  const Config c = load_config(args.config, cli_overrides(args.set, args.threads));
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  manual_seed(c.training.seed);
  STRATA_CHECK(args.sparsity >= 0.0 && args.sparsity < (args.structured ? 1.0 : 1.0 + 1e-12),
               "--sparsity must be in [0, 1{}, got {}", args.structured ? ")" : "]", args.sparsity);
  STRATA_CHECK(!(args.structured && args.global),
               "--global chooses one threshold over all weights for unstructured pruning; --structured ranks "
               "the channels of each convolution (drop one of the two)");
  STRATA_CHECK(!(args.structured && args.schedule == "gradual"),
               "--schedule gradual applies to unstructured pruning; --structured removes channels once");
  STRATA_CHECK(args.schedule == "oneshot" || args.fine_tune_epochs > 0,
               "--schedule gradual prunes during fine-tuning: give --fine-tune-epochs N");

  const TrainingData d = load_training_data(c);
  std::shared_ptr<nn::Module> model = build_model(c, d);
  {
    const nn::StateDict state = io::load_model_state(args.checkpoint);
    try {
      model->load_state_dict(state);
    } catch (const Error& e) {
      STRATA_FAIL("checkpoint {} does not fit the model of {}: {}", args.checkpoint, c.path, e.what());
    }
  }
  data::DataLoader train_loader(d.train, {.batch_size = c.data.batch_size,
                                          .shuffle = c.data.shuffle,
                                          .seed = c.training.seed,
                                          .num_workers = c.data.num_workers,
                                          .collate = d.collate});
  data::DataLoader test_loader(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  auto evaluate = [&](const std::shared_ptr<nn::Module>& m) {
    train::Trainer t(m, make_optimizer(c, *m), make_loss(c));
    const train::Logs logs = t.evaluate(test_loader);
    const auto it = logs.find("accuracy");
    return it == logs.end() ? std::nan("") : it->second;
  };

  const double acc_before = evaluate(model);
  const int64_t params_before = model->num_parameters();
  const int64_t macs_before = total_macs(*model, d);
  // The dense model, kept to time it against the pruned one at the end (a structured result is a new model).
  const std::shared_ptr<nn::Module> dense = model;
  std::cerr << fmt::format("strata prune: {} from {}: test accuracy {:.4f}, {} parameters, {} mult-adds\n",
                           c.name, args.checkpoint, acc_before, params_before, macs_before);

  std::shared_ptr<compress::PruningMasks> masks;
  std::vector<std::shared_ptr<train::Callback>> callbacks;
  const int64_t steps = static_cast<int64_t>(train_loader.size()) * args.fine_tune_epochs;
  if (args.structured) {
    const compress::ChannelPruneResult r =
        compress::prune_channels(model, {.amount = args.sparsity, .round_to = args.round_to});
    for (const auto& layer : r.layers)
      std::cerr << fmt::format("strata prune: {}: {} -> {} channels\n", layer.name, layer.channels_before,
                               layer.channels_after);
    model = r.model;
  } else {
    masks = std::make_shared<compress::PruningMasks>(compress::PruningMasks::for_model(*model));
    compress::PruningScheduleOptions schedule = compress::one_shot(args.sparsity, args.global);
    if (args.schedule == "gradual") {
      // Zhu & Gupta: from 0 to the target over the first 3/4 of the steps, pruning ~20 times, then recover.
      const int64_t end = std::max<int64_t>(1, steps * 3 / 4);
      schedule =
          compress::polynomial(args.sparsity, 0, end, std::max<int64_t>(1, end / 20), 0.0, args.global);
    } else {
      masks->prune(args.sparsity, args.global);
    }
    callbacks.push_back(std::make_shared<compress::PruningSchedule>(masks, schedule));
  }
  const double acc_pruned = evaluate(model);
  double acc_tuned = acc_pruned;
  if (args.fine_tune_epochs > 0) {
    train::Trainer trainer(model, make_optimizer(c, *model), make_loss(c));
    Config tune = c;
    tune.training.epochs = args.fine_tune_epochs;
    attach_scheduler(tune, trainer, static_cast<int64_t>(train_loader.size()), callbacks);
    std::cerr << fmt::format("strata prune: fine-tuning for {} epoch{}\n", args.fine_tune_epochs,
                             args.fine_tune_epochs == 1 ? "" : "s");
    trainer.fit(train_loader,
                {.epochs = args.fine_tune_epochs, .callbacks = callbacks, .progress = args.progress});
    acc_tuned = evaluate(model);
  }
  double sparsity = 0.0;
  if (masks) {
    masks->remove();
    const auto report = compress::sparsity_report(masks->weights());
    std::cerr << compress::format_sparsity_report(report);
    sparsity = report.back().sparsity();
  }
  const int64_t params_after = model->num_parameters();
  const int64_t macs_after = total_macs(*model, d);
  const auto [ms_before, ms_after] = inference_ms(*dense, *model, *d.test, d.collate);

  const fs::path out(args.out);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  io::save_safetensors(args.out, model->state_dict());
  std::cerr << fmt::format("strata prune: wrote {}\n", args.out);
  std::cout
      << fmt::format(
             "{{\"mode\": \"{}\", \"sparsity\": {}, \"weight_sparsity\": {}, \"accuracy_before\": {}, "
             "\"accuracy_pruned\": {}, \"accuracy_fine_tuned\": {}, \"fine_tune_epochs\": {}, "
             "\"parameters_before\": {}, \"parameters_after\": {}, \"macs_before\": {}, \"macs_after\": {}, "
             "\"ms_per_batch_before\": {}, \"ms_per_batch_after\": {}, \"cpu_ms_per_batch_before\": {}, "
             "\"cpu_ms_per_batch_after\": {}, \"batch_size\": {}}}",
             args.structured ? "structured" : (args.global ? "global" : "layer"), json_number(args.sparsity),
             json_number(sparsity), json_number(acc_before), json_number(acc_pruned), json_number(acc_tuned),
             args.fine_tune_epochs, params_before, params_after, macs_before, macs_after,
             json_number(ms_before.wall), json_number(ms_after.wall), json_number(ms_before.cpu),
             json_number(ms_after.cpu), kTimingBatch)
      << std::endl;
  return 0;
}

}  // namespace strata::cli
