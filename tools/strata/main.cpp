// The `strata` command: train, evaluate and use models from YAML configs.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "strata/strata.h"

int main(int argc, char** argv) {
  CLI::App app{"strata: train, evaluate and ship neural networks natively in C++"};
  app.set_version_flag("--version", std::string("strata ") + strata::kVersion);
  app.require_subcommand(1);

  strata::cli::TrainArgs train;
  CLI::App* train_cmd = app.add_subcommand("train", "Train a model from a YAML config");
  train_cmd->add_option("-c,--config", train.config, "YAML config")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("--epochs", train.epochs, "Override training.epochs");
  train_cmd->add_option("--lr", train.lr, "Override optimizer.lr");
  train_cmd->add_option("--batch-size", train.batch_size, "Override data.batch_size");
  train_cmd->add_option("--out", train.out, "Run folder (default runs/<config name>)");
  train_cmd->add_option("--seed", train.seed, "Override training.seed");
  train_cmd->add_option("--threads", train.threads, "Override training.threads");
  bool no_progress = false;
  train_cmd->add_flag("--no-progress", no_progress, "Do not draw the progress bar");

  std::string config, checkpoint, image;
  int top_k = 5;
  CLI::App* eval_cmd = app.add_subcommand("eval", "Evaluate a checkpoint on the test split");
  eval_cmd->add_option("-c,--config", config, "YAML config")->required()->check(CLI::ExistingFile);
  eval_cmd->add_option("--checkpoint", checkpoint, "safetensors checkpoint")->required()->check(CLI::ExistingFile);

  CLI::App* predict_cmd = app.add_subcommand("predict", "Classify an image (PNG or JPEG)");
  predict_cmd->add_option("-c,--config", config, "YAML config")->required()->check(CLI::ExistingFile);
  predict_cmd->add_option("--checkpoint", checkpoint, "safetensors checkpoint")->required()->check(CLI::ExistingFile);
  predict_cmd->add_option("--image", image, "PNG or JPEG image")->required()->check(CLI::ExistingFile);
  predict_cmd->add_option("--top-k", top_k, "How many classes to print");

  CLI::App* summary_cmd = app.add_subcommand("summary", "Print the model's layers, output shapes and parameters");
  summary_cmd->add_option("-c,--config", config, "YAML config")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "strata: error: " << e.what() << "\n";
    if (argc == 1) std::cerr << "run 'strata --help' for the subcommands\n";
    return 2;
  }

  try {
    if (*train_cmd) {
      train.progress = !no_progress;
      return strata::cli::run_train(train);
    }
    if (*eval_cmd) return strata::cli::run_eval(config, checkpoint);
    if (*predict_cmd) return strata::cli::run_predict(config, checkpoint, image, top_k);
    if (*summary_cmd) return strata::cli::run_summary(config);
  } catch (const strata::Error& e) {
    std::cerr << "strata: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "strata: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
