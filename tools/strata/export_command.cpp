#include "export_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "model_builder.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/data/dataloader.h"
#include "strata/io/model_state.h"
#include "strata/io/onnx.h"
#include "strata/models/transformer_seq2seq.h"
#include "training_data.h"

namespace strata::cli {

namespace fs = std::filesystem;

CLI::App* add_export_command(CLI::App& app, ExportArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("export", "Export a trained model to ONNX (checked by libonnx's checker)");
  cmd->add_option("-c,--config", args.config, "YAML config the model was trained with")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", args.set, "Change a config value, e.g. --set model.dropout=0 (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_option("--checkpoint", args.checkpoint, "safetensors checkpoint (e.g. runs/NAME/best.safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--onnx", args.onnx, "ONNX file to write (e.g. model.onnx)")->type_name("FILE")->required();
  cmd->add_option("--opset", args.opset, "ONNX opset version, 13..17 (default 17)")
      ->type_name("N")
      ->check(CLI::Range(13, 17));
  cmd->add_flag("--dynamic-batch", args.dynamic_batch,
                "Make dim 0 of the input and output symbolic ('batch'), so any batch size runs");
  return cmd;
}

ExportResult export_config(const Config& config, const std::string& checkpoint, const std::string& onnx_path,
                           int64_t opset, bool dynamic_batch) {
  TrainingData d = load_training_data(config, false);
  if (d.load_preprocessing && !checkpoint.empty()) {
    const std::string run_dir = fs::path(checkpoint).parent_path().string();
    d.load_preprocessing(run_dir.empty() ? "." : run_dir, d);
  }
  std::shared_ptr<nn::Module> model = build_model(config, d);
  if (!checkpoint.empty()) {
    STRATA_CHECK(fs::is_regular_file(checkpoint), "strata export: checkpoint {} does not exist", checkpoint);
    try {
      model->load_state_dict(io::load_model_state(checkpoint));
    } catch (const Error& e) {
      STRATA_CHECK(false, "strata export: checkpoint {} does not fit the model of {}: {}", checkpoint,
                   config.path, e.what());
    }
  }
  STRATA_CHECK(d.test && d.test->size() > 0, "strata export: the data of {} has no test examples to trace on",
               config.path);
  data::DataLoader loader(d.test, {.batch_size = std::min<int64_t>(2, d.test->size()), .collate = d.collate});
  Tensor example;
  for (const data::Batch& b : loader) {
    example = b.input;
    break;
  }
  onnx::ExportOptions options;
  options.opset = opset;
  ExportResult r{model, example, {example}, {"input"}, {}};
  if (auto s = std::dynamic_pointer_cast<models::TransformerSeq2SeqImpl>(model); s && example.dim() == 3) {
    // The packed [B, 2, L] batch as the model's two inputs; served translations have their own lengths.
    r.examples = {example.select(1, 0).contiguous(), example.select(1, 1).contiguous()};
    r.input_names = {"source", "decoder_input"};
    options.dynamic_axes = {
        {"source", {{1, "source_length"}}}, {"decoder_input", {{1, "length"}}}, {"output", {{1, "length"}}}};
  }
  if (dynamic_batch) {
    for (const std::string& name : r.input_names) options.dynamic_axes[name][0] = "batch";
    options.dynamic_axes["output"][0] = "batch";
  }
  options.input_names = r.input_names;
  onnx::export_model(*model, r.examples, onnx_path, options);
  autograd::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  if (r.examples.size() == 2) {
    r.output = std::dynamic_pointer_cast<models::TransformerSeq2SeqImpl>(model)->forward(r.examples[0],
                                                                                         r.examples[1]);
  } else {
    r.output = model->forward(example);
  }
  model->train(was_training);
  return r;
}

int run_export(const ExportArgs& args) {
  const Config c = load_config(args.config, cli_overrides(args.set));
  const ExportResult r = export_config(c, args.checkpoint, args.onnx, args.opset, args.dynamic_batch);
  std::string inputs;
  for (const Tensor& x : r.examples) inputs += (inputs.empty() ? "" : ", ") + x.shape().str();
  std::cout << fmt::format(R"({{"onnx": "{}", "opset": {}, "input": "{}", "output": "{}", "bytes": {}}})",
                           args.onnx, args.opset, inputs, r.output.shape().str(), fs::file_size(args.onnx))
            << std::endl;
  return 0;
}

}  // namespace strata::cli
