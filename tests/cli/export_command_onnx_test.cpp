// `strata export` (tools/strata/export_command.cpp): every config in configs/ exported from its randomly
// initialised model, traced and compared with onnxruntime on the config's real test inputs; the CLI itself
// with a checkpoint; its errors.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "config.h"
#include "export_command.h"
#include "io/onnx_test_util.h"
#include "strata/io/onnx.h"
#include "strata/models/transformer_seq2seq.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
using strata::testing::ScratchDir;

std::string configs_dir() {
  return (fs::path(STRATA_FIXTURES_DIR).parent_path().parent_path() / "configs").string();
}

// Configs that do not export, with what the error says: not `strata train` configs (examples' and tune's),
// and configs needing another run's output first.
const std::map<std::string, std::string>& expected_errors() {
  static const std::map<std::string, std::string> m = {
      {"char_lm", "unknown field 'generate'"},
      {"fashion_mlp_space", "unknown field 'metric'"},
      {"spam", "unknown field 'augment'"},
      {"spam_mlm_finetune", "tokenizer.json does not exist"},
      {"spam_mlm_scratch", "tokenizer.json does not exist"},
      // Training modules: two networks and their own training step, no single forward to export.
      {"fashion_dcgan", "type DCGAN has no ONNX exporter"},
      {"fashion_cgan", "type DCGAN has no ONNX exporter"},
      {"fashion_wgan_gp", "type WGANGP has no ONNX exporter"},
      {"fid_fmnist_classifier", "type FidFmnistNet has no ONNX exporter"},
      {"fashion_vae", "type VAE has no ONNX exporter"},
      // The detector and the segmenter train as training modules (their losses and decoding are theirs).
      {"fashion_detect", "type CenterNet has no ONNX exporter"},
      {"fashion_segment", "type Segmenter has no ONNX exporter"},
      // Graph configs (node classification) go through their own reader, not a model config.
      {"karate_gcn", "unknown field 'data.graph'"},
      {"debian_packages_gcn", "unknown field 'data.graph'"},
      {"debian_packages_mlp", "unknown field 'data.graph'"},
      {"debian_packages_sage", "unknown field 'data.graph'"},
  };
  return m;
}

TEST(ExportCommand, EveryConfigExportsAndMatchesOnnxruntimeOnRealInputs) {
  ScratchDir dir;
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(configs_dir())) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_GE(names.size(), 20u);
  for (const std::string& path : names) {
    const std::string stem = fs::path(path).stem().string();
    SCOPED_TRACE(stem);
    const std::string file = dir.file(stem + ".onnx");
    ExportResult r;
    try {
      r = export_config(load_config(path), "", file, 17, true);
    } catch (const Error& e) {
      auto it = expected_errors().find(stem);
      // `strata rl` configs (an `env` section) describe an agent, not a model `strata export` builds.
      if (it == expected_errors().end() &&
          std::string(e.what()).find("unknown field 'env'") != std::string::npos) {
        continue;
      }
      if (it == expected_errors().end()) {
        ADD_FAILURE() << stem << " does not export: " << e.what();
      } else {
        EXPECT_NE(std::string(e.what()).find(it->second), std::string::npos) << e.what();
      }
      continue;
    }
    EXPECT_EQ(expected_errors().count(stem), 0u) << stem << " now exports: drop it from expected_errors()";
    std::map<std::string, Tensor> feeds;
    for (size_t i = 0; i < r.examples.size(); ++i) feeds[r.input_names[i]] = r.examples[i];
    runs.push_back({file, feeds});
    expected.emplace_back(stem, r.output);
    if (stem == "de_en_transformer") {
      // Two token-id inputs, source and decoder input; a shorter decoder input than traced runs too.
      ASSERT_EQ(r.input_names, (std::vector<std::string>{"source", "decoder_input"}));
      const Tensor src = r.examples[0], tgt = r.examples[1].narrow(1, 0, 5).contiguous();
      autograd::NoGradGuard g;
      r.model->eval();
      runs.push_back({file, {{"source", src}, {"decoder_input", tgt}}});
      expected.emplace_back("de_en_transformer (decoder input of 5 tokens)",
                            dynamic_cast<models::TransformerSeq2SeqImpl&>(*r.model).forward(src, tgt));
    }
  }
  EXPECT_EQ(expected.size(), 28u);  // every config of configs/ not in expected_errors(), de_en twice
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
  }
}

class ExportCli : public strata::cli_test::CliFixture {};

TEST_F(ExportCli, ExportsACheckpointAndReportsErrors) {
  ScratchDir dir;
  // A checkpoint of LeNet-5 (a plain state dict), exported through the binary.
  const Config c = load_config(configs_dir() + "/fashion_lenet.yaml");
  const ExportResult first = export_config(c, "", dir.file("unused.onnx"));
  io::save_safetensors(dir.file("lenet.safetensors"), first.model->state_dict());
  const auto r = run({"export", "-c", configs_dir() + "/fashion_lenet.yaml", "--checkpoint",
                      dir.file("lenet.safetensors"), "--onnx", dir.file("lenet.onnx"), "--opset", "15",
                      "--dynamic-batch"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"opset\": 15"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[2, 10]"), std::string::npos) << r.out;
  onnx::check_model(dir.file("lenet.onnx"));
  const Tensor x = randn({5, 1, 28, 28});
  autograd::NoGradGuard g;
  first.model->eval();
  const auto out = strata::testing::run_onnxruntime(dir.file("lenet.onnx"), {{"input", x}});
  ASSERT_EQ(out.count("output"), 1u);
  strata::testing::expect_onnx_close(out.at("output"), first.model->forward(x), 1e-4, "lenet checkpoint");

  // A checkpoint of another model, and a model without an exporter: one-line errors, exit code 2.
  io::save_safetensors(dir.file("other.safetensors"), {{"w", randn({2})}});
  expect_error(run({"export", "-c", configs_dir() + "/fashion_lenet.yaml", "--checkpoint",
                    dir.file("other.safetensors"), "--onnx", dir.file("x.onnx")}),
               {"does not fit the model"});
  expect_error(run({"export", "-c", configs_dir() + "/fashion_lenet.yaml", "--checkpoint",
                    dir.file("lenet.safetensors"), "--onnx", dir.file("x.onnx"), "--opset", "18"}),
               {"--opset"});
}

}  // namespace
}  // namespace strata::cli
