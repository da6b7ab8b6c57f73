// The `strata` command: train, evaluate and use models from YAML configs. Every failure prints one line
// "strata: error: ..." on stderr and exits with code 2.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "data_command.h"
#include "explain_command.h"
#include "export_command.h"
#include "fed_command.h"
#include "generate.h"
#include "prune_command.h"
#include "quantize_command.h"
#include "rl_command.h"
#include "strata/strata.h"
#include "translation.h"
#include "tune_command.h"
#include "compile_command.h"
#include "pretrain_command.h"
#include "detect_command.h"
#include "segment_command.h"
#include "validators.h"

namespace {

using strata::cli::existing_file;
using strata::cli::number_check;

constexpr int kErrorExit = 2;

// Messages are one line: nested errors (a state-dict mismatch lists several entries) are joined.
std::string one_line(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string out;
  for (char ch : message) {
    if (ch == '\n') {
      out += "; ";
    } else if (ch != '\r') {
      out += ch;
    }
  }
  return out;
}

int fail(const std::string& message) {
  std::cerr << "strata: error: " << one_line(message) << std::endl;
  return kErrorExit;
}

void add_config_options(CLI::App* cmd, strata::cli::ConfigArgs& args) {
  cmd->add_option("-c,--config", args.config, "YAML config (see docs/config.md)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("config file"));
  cmd->add_option("--set", args.set, "Change a config field, e.g. --set optimizer.lr=0.01 (repeatable)")
      ->type_name("KEY=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads (overrides training.threads)")
      ->type_name("N")
      ->check(number_check(false, true));
}

}  // namespace

int main(int argc, char** argv) {
  // OpenMP reads its wait policy once, when it loads. Busy-waiting worker threads cost several times the
  // run time whenever the cores are shared (measured: LeNet 2 epochs 115 s vs 16 s on a loaded machine),
  // so the command restarts itself with the passive policy unless the user chose one.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then carry on with the default policy
  }
  CLI::App app{"strata: train, evaluate and use neural networks natively in C++"};
  app.set_version_flag("--version", std::string("strata ") + strata::kVersion);
  app.require_subcommand(1);
  // A repeated option takes its last value, so `make run ARGS="--epochs 5"` overrides the Makefile's
  // --epochs.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.footer(
      "Run 'strata COMMAND --help' for the options of a command; docs/config.md describes the configs.");

  strata::cli::TrainArgs train;
  CLI::App* train_cmd = app.add_subcommand("train", "Train a model from a YAML config");
  add_config_options(train_cmd, train);
  train_cmd->add_option("--epochs", train.epochs, "Override training.epochs")
      ->type_name("N")
      ->check(number_check(false, true));
  train_cmd
      ->add_option("--lr", train.lr, "Override optimizer.lr (onecycle's peak unless scheduler.max_lr is set)")
      ->type_name("LR")
      ->check(number_check(false, false));
  train_cmd->add_option("--batch-size", train.batch_size, "Override data.batch_size")
      ->type_name("N")
      ->check(number_check(false, true));
  train_cmd->add_option("--out", train.out, "Run folder (default runs/<config name>)")->type_name("DIR");
  train_cmd
      ->add_option("--init", train.init,
                   "Start from these weights (a checkpoint of another run; sets init.checkpoint, see "
                   "docs/transfer.md)")
      ->type_name("CKPT");
  train_cmd->add_option("--seed", train.seed, "Override training.seed")
      ->type_name("S")
      ->check(number_check(true, true));
  bool no_progress = false;
  train_cmd->add_flag("--no-progress", no_progress, "Do not draw the progress bar");
  train_cmd
      ->add_option("--resume", train.resume,
                   "Continue the run saved in this checkpoint (DIR/last.safetensors), or in run folder DIR "
                   "(then written into DIR), up to training.epochs; under mpirun with any number of ranks")
      ->type_name("DIR|CKPT");
  train_cmd->footer(
      "Writes DIR/best.safetensors, DIR/last.safetensors, DIR/metrics.csv, DIR/curves.png and "
      "DIR/config.yaml,\n"
      "and prints the final test metrics as one line of JSON on stdout.");

  strata::cli::ConfigArgs common;
  std::string checkpoint, image, onnx_model;
  int top_k = 5;
  CLI::App* eval_cmd =
      app.add_subcommand("eval", "Evaluate a checkpoint on the test split (one line of JSON)");
  add_config_options(eval_cmd, common);
  std::string quantized;
  CLI::Option* eval_checkpoint =
      eval_cmd
          ->add_option("--checkpoint", checkpoint,
                       "safetensors checkpoint (e.g. runs/NAME/best.safetensors, or a strata quantize file)")
          ->type_name("FILE")
          ->check(existing_file("checkpoint"));
  CLI::Option* eval_onnx =
      eval_cmd
          ->add_option("--onnx", onnx_model,
                       "ONNX model to evaluate in place of the config's model and a checkpoint")
          ->type_name("FILE")
          ->check(existing_file("ONNX model"))
          ->excludes(eval_checkpoint);
  eval_cmd
      ->add_option("--quantized", quantized,
                   "int8 model written by strata quantize (instead of --checkpoint)")
      ->type_name("FILE")
      ->check(existing_file("quantized model"))
      ->excludes(eval_checkpoint)
      ->excludes(eval_onnx);
  std::string eval_out;
  eval_cmd
      ->add_option("--out", eval_out, "Folder for the evaluation report (default: the checkpoint's folder)")
      ->type_name("DIR");
  eval_cmd->footer(
      "For classifiers, writes DIR/classification_report.txt, DIR/confusion_matrix.png, DIR/roc.png and\n"
      "DIR/eval_metrics.json; prints the test metrics as one line of JSON on stdout.");

  CLI::App* predict_cmd = app.add_subcommand("predict", "Classify an image (PNG or JPEG): top classes");
  add_config_options(predict_cmd, common);
  CLI::Option* predict_checkpoint =
      predict_cmd
          ->add_option("--checkpoint", checkpoint,
                       "safetensors checkpoint (e.g. runs/NAME/best.safetensors, or a strata quantize file)")
          ->type_name("FILE")
          ->check(existing_file("checkpoint"));
  CLI::Option* predict_onnx =
      predict_cmd
          ->add_option("--onnx", onnx_model,
                       "ONNX model to run in place of the config's model and a checkpoint")
          ->type_name("FILE")
          ->check(existing_file("ONNX model"))
          ->excludes(predict_checkpoint);
  predict_cmd
      ->add_option("--quantized", quantized,
                   "int8 model written by strata quantize (instead of --checkpoint)")
      ->type_name("FILE")
      ->check(existing_file("quantized model"))
      ->excludes(predict_checkpoint)
      ->excludes(predict_onnx);
  CLI::Option* predict_image =
      predict_cmd
          ->add_option("--image", image, "PNG or JPEG image, any size and colour (converted as the config's data)")
          ->type_name("FILE")
          ->check(existing_file("image"));
  predict_cmd
      ->add_option("--audio", image, "WAV file to classify (spoken-digit configs; any rate, mono or stereo)")
      ->type_name("FILE")
      ->check(existing_file("audio"))
      ->excludes(predict_image);
  predict_cmd->add_option("--top-k", top_k, "How many classes to print (default 5)")
      ->type_name("K")
      ->check(number_check(false, true));

  strata::cli::QuantizeArgs quantize_args;
  CLI::App* quantize_cmd =
      app.add_subcommand("quantize", "Quantise a trained checkpoint to int8 (post-training, calibrated)");
  add_config_options(quantize_cmd, quantize_args);
  quantize_cmd->add_option("--checkpoint", quantize_args.checkpoint, "trained f32 checkpoint")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("checkpoint"));
  quantize_cmd->add_option("--out", quantize_args.out, "the quantised model (safetensors with I8 weights)")
      ->type_name("FILE")
      ->required();
  quantize_cmd
      ->add_option("--calibration", quantize_args.calibration,
                   "training images run to calibrate activation ranges (default 256)")
      ->type_name("N")
      ->check(number_check(false, true));
  quantize_cmd
      ->add_option("--method", quantize_args.method, "activation range: minmax (default) or percentile")
      ->type_name("METHOD")
      ->check(CLI::IsMember({"minmax", "percentile"}));
  quantize_cmd
      ->add_option("--percentile", quantize_args.percentile,
                   "percentile of |x| for --method percentile (99.99)")
      ->type_name("P");
  quantize_cmd
      ->add_option("--budget", quantize_args.budget,
                   "largest test accuracy drop in points; layers fall back to f32 beyond it (0.5)")
      ->type_name("POINTS");
  quantize_cmd->footer(
      "Prints each Conv2d/Linear layer (kept int8 or not, f32 vs int8 time at batch 256), the test accuracy\n"
      "before and after, the batch-256 forward time and the file sizes. Use the file with\n"
      "strata eval/predict --quantized FILE (or --checkpoint FILE).");

  CLI::App* summary_cmd =
      app.add_subcommand("summary", "Print the model's layers, output shapes and parameters");
  add_config_options(summary_cmd, common);

  strata::cli::TuneArgs tune_args;
  CLI::App* tune_cmd = strata::cli::add_tune_command(app, tune_args);
  strata::cli::PretrainArgs pretrain_args;
  CLI::App* pretrain_cmd = strata::cli::add_pretrain_command(app, pretrain_args);

  strata::cli::DetectArgs detect_args;
  CLI::App* detect_cmd = strata::cli::add_detect_command(app, detect_args);
  strata::cli::SegmentArgs segment_args;
  CLI::App* segment_cmd = strata::cli::add_segment_command(app, segment_args);

  strata::cli::PruneArgs prune_args;
  CLI::App* prune_cmd = strata::cli::add_prune_command(app, prune_args);

  strata::cli::AugmentArgs augment;
  CLI::App* augment_cmd = strata::cli::add_data_augment_command(app, augment);
  strata::cli::TableArgs table_args;
  const strata::cli::TableCommands table_cmds = strata::cli::add_data_table_commands(app, table_args);

  strata::cli::GenerateArgs generate;
  CLI::App* generate_cmd = strata::cli::add_generate_command(app, generate);
  strata::cli::TranslateArgs translate;
  CLI::App* translate_cmd = strata::cli::add_translate_command(app, translate);
  strata::cli::ExportArgs export_args;
  CLI::App* export_cmd = strata::cli::add_export_command(app, export_args);
  strata::cli::ExplainArgs explain;
  CLI::App* explain_cmd = strata::cli::add_explain_command(app, explain);
  strata::cli::FederateArgs federate_args;
  CLI::App* federate_cmd = strata::cli::add_federate_command(app, federate_args);
  strata::cli::RlArgs rl_args;
  CLI::App* rl_cmd = strata::cli::add_rl_command(app, rl_args);
  strata::cli::CompileArgs compile_args;
  CLI::App* compile_cmd = strata::cli::add_compile_command(app, compile_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks required options before unknown ones; an unknown option is the likelier mistake.
    // The deepest subcommand given ("data clean"), so messages name the help page that lists its options.
    const CLI::App* sub = nullptr;
    std::string name;
    // Stops early at a command that kept an argument it did not know: that is the one to blame.
    while (!(sub ? sub : &app)->get_subcommands().empty() && (sub == nullptr || sub->remaining().empty())) {
      sub = (sub ? sub : &app)->get_subcommands().front();
      name += (name.empty() ? "" : " ") + sub->get_name();
    }
    const std::vector<std::string> top = app.remaining();
    std::string commands;
    for (const CLI::App* cmd : app.get_subcommands([](CLI::App*) { return true; })) {
      commands += (commands.empty() ? "" : ", ") + cmd->get_name();
    }
    if (sub != nullptr && !sub->remaining().empty()) {
      const std::string arg = sub->remaining()[0];  // remaining() returns a copy
      return fail(fmt::format("{} '{}' for 'strata {}' (see 'strata {} --help')",
                              arg.rfind('-', 0) == 0 ? "unknown option" : "unexpected argument", arg, name,
                              name));
    }
    if (!top.empty() && top[0].rfind('-', 0) == 0) {
      return fail(fmt::format("unknown option '{}' (see 'strata --help')", top[0]));
    }
    if (!top.empty()) {
      return fail(fmt::format("unknown command '{}' (commands: {})", top[0], commands));
    }
    if (sub == nullptr) return fail(fmt::format("a command is needed: {} (see 'strata --help')", commands));
    return fail(fmt::format("{} (see 'strata {} --help')", e.what(), name));
  }

  try {
    if (*train_cmd) {
      train.progress = !no_progress;
      return strata::cli::run_train(train);
    }
    if ((*eval_cmd || *predict_cmd) && !quantized.empty()) checkpoint = quantized;
    if (*eval_cmd || *predict_cmd)
      STRATA_CHECK(!checkpoint.empty() || !onnx_model.empty(),
                   "--checkpoint is required (or --onnx or --quantized); run 'strata {} --help'",
                   *eval_cmd ? "eval" : "predict");
    if (*eval_cmd) return strata::cli::run_eval(common, checkpoint, eval_out, onnx_model);
    if (*predict_cmd) return strata::cli::run_predict(common, checkpoint, image, top_k, onnx_model);
    if (*quantize_cmd) return strata::cli::run_quantize(quantize_args);
    if (*summary_cmd) return strata::cli::run_summary(common);
    if (*augment_cmd) return strata::cli::run_data_augment(augment);
    if (table_cmds.parsed()) return strata::cli::run_data_table(table_cmds, table_args);
    if (*tune_cmd) return strata::cli::run_tune(tune_args);
    if (*compile_cmd) return strata::cli::run_compile(compile_args);
    if (*pretrain_cmd) return strata::cli::run_pretrain(pretrain_args);
    if (*detect_cmd) return strata::cli::run_detect(detect_args);
    if (*segment_cmd) return strata::cli::run_segment(segment_args);
    if (*prune_cmd) return strata::cli::run_prune(prune_args);
    if (*generate_cmd) return strata::cli::run_generate(generate);
    if (*translate_cmd) return strata::cli::run_translate(translate);
    if (*export_cmd) return strata::cli::run_export(export_args);
    if (*explain_cmd) return strata::cli::run_explain(explain);
    if (*rl_cmd) return strata::cli::run_rl(rl_args);
    if (*federate_cmd) return strata::cli::run_federate(federate_args);
  } catch (const std::exception& e) {  // strata::Error, and file-system or YAML errors alike
    return fail(e.what());
  } catch (...) {
    return fail("unexpected failure");
  }
  return 0;
}
