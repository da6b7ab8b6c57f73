// The `strata` command: train, evaluate and use models from YAML configs. Every failure prints one line
// "strata: error: ..." on stderr and exits with code 2.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "data_command.h"
#include "generate.h"
#include "prune_command.h"
#include "strata/strata.h"
#include "translation.h"
#include "tune_command.h"

namespace {

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

// An option naming a file that must exist, with a message that says what the file is.
CLI::Validator existing_file(const std::string& what) {
  return CLI::Validator(
      [what](std::string& path) -> std::string {
        if (std::filesystem::is_regular_file(path)) return {};
        if (std::filesystem::exists(path)) return what + " " + path + " is not a file";
        return what + " " + path + " does not exist";
      },
      "");
}

// A number option that must be positive (or >= 0), with a message that says so in plain words.
CLI::Validator number_check(bool allow_zero, bool integer) {
  return CLI::Validator(
      [allow_zero, integer](std::string& text) -> std::string {
        if (integer && (text.empty() || text.find_first_not_of("-0123456789") != std::string::npos)) {
          return "'" + text + "' is not an integer";
        }
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) return "'" + text + "' is not a number";
        if (allow_zero ? v < 0 : v <= 0)
          return std::string("must be ") + (allow_zero ? ">= 0" : "positive") + ", got " + text;
        return {};
      },
      "");
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
  train_cmd->footer(
      "Writes DIR/best.safetensors, DIR/last.safetensors, DIR/metrics.csv, DIR/curves.png and "
      "DIR/config.yaml,\n"
      "and prints the final test metrics as one line of JSON on stdout.");

  strata::cli::ConfigArgs common;
  std::string checkpoint, image;
  int top_k = 5;
  CLI::App* eval_cmd =
      app.add_subcommand("eval", "Evaluate a checkpoint on the test split (one line of JSON)");
  add_config_options(eval_cmd, common);
  eval_cmd->add_option("--checkpoint", checkpoint, "safetensors checkpoint (e.g. runs/NAME/best.safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("checkpoint"));
  std::string eval_out;
  eval_cmd
      ->add_option("--out", eval_out, "Folder for the evaluation report (default: the checkpoint's folder)")
      ->type_name("DIR");
  eval_cmd->footer(
      "For classifiers, writes DIR/classification_report.txt, DIR/confusion_matrix.png, DIR/roc.png and\n"
      "DIR/eval_metrics.json; prints the test metrics as one line of JSON on stdout.");

  CLI::App* predict_cmd = app.add_subcommand("predict", "Classify an image (PNG or JPEG): top classes");
  add_config_options(predict_cmd, common);
  predict_cmd
      ->add_option("--checkpoint", checkpoint, "safetensors checkpoint (e.g. runs/NAME/best.safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("checkpoint"));
  predict_cmd
      ->add_option("--image", image,
                   "PNG or JPEG image, any size and colour (converted as the config's data)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("image"));
  predict_cmd->add_option("--top-k", top_k, "How many classes to print (default 5)")
      ->type_name("K")
      ->check(number_check(false, true));

  CLI::App* summary_cmd =
      app.add_subcommand("summary", "Print the model's layers, output shapes and parameters");
  add_config_options(summary_cmd, common);

  strata::cli::TuneArgs tune_args;
  CLI::App* tune_cmd = strata::cli::add_tune_command(app, tune_args);

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
    if (*eval_cmd) return strata::cli::run_eval(common, checkpoint, eval_out);
    if (*predict_cmd) return strata::cli::run_predict(common, checkpoint, image, top_k);
    if (*summary_cmd) return strata::cli::run_summary(common);
    if (*augment_cmd) return strata::cli::run_data_augment(augment);
    if (table_cmds.parsed()) return strata::cli::run_data_table(table_cmds, table_args);
    if (*tune_cmd) return strata::cli::run_tune(tune_args);
    if (*prune_cmd) return strata::cli::run_prune(prune_args);
    if (*generate_cmd) return strata::cli::run_generate(generate);
    if (*translate_cmd) return strata::cli::run_translate(translate);
  } catch (const std::exception& e) {  // strata::Error, and file-system or YAML errors alike
    return fail(e.what());
  } catch (...) {
    return fail("unexpected failure");
  }
  return 0;
}
