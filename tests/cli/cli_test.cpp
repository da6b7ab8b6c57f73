// Runs the `strata` binary as a user would: a short good run (train, then eval, predict and summary on
// what it wrote), then each kind of bad input, asserting the one-line message on stderr and exit code 2.
#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "strata/data/image/io.h"
#include "strata/data/mnist.h"
#include "strata/io/safetensors.h"
#include "strata/models/mlp.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

// A small conv net that trains in a few seconds on a slice of Fashion-MNIST; line numbers matter below.
constexpr const char* kGoodConfig = R"(name: tiny
data:
  batch_size: 64
  limit: 2000
  test_limit: 500
model:
  layers:
    - conv2d: {in: 1, out: 4, kernel: 5, padding: 2}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 784, out: 10}
optimizer:
  name: adam
  lr: 0.003
scheduler: cosine
training:
  epochs: 2
  seed: 1
  threads: 1
)";

class CliTest : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("good.yaml", kGoodConfig);
  }

  // The good config with line `line` (1-based) replaced by `text` (or removed when text is empty).
  void write_variant(const std::string& name, int line, const std::string& text) const {
    std::vector<std::string> lines = lines_of(kGoodConfig);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (static_cast<int>(i) + 1 != line) {
        out += lines[i] + "\n";
      } else if (!text.empty()) {
        out += text + "\n";
      }
    }
    write(name, out);
  }
};

TEST(CliBinary, Exists) {
  ASSERT_TRUE(fs::is_regular_file(STRATA_CLI_PATH)) << "build the strata_cli target first";
}

TEST_F(CliTest, TrainThenEvalPredictAndSummary) {
  const CliResult train = run({"train", "--config", "good.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  // stdout holds only the final metrics, as one line of JSON.
  const std::vector<std::string> out_lines = lines_of(train.out);
  ASSERT_EQ(out_lines.size(), 1u) << train.out;
  const nlohmann::json metrics = nlohmann::json::parse(out_lines[0]);
  ASSERT_TRUE(metrics.contains("test_accuracy")) << out_lines[0];
  ASSERT_TRUE(metrics.contains("test_loss")) << out_lines[0];
  EXPECT_EQ(metrics["epochs"], 2);
  const double accuracy = metrics["test_accuracy"];
  EXPECT_GT(accuracy, 0.6);  // 2000 images, 2 epochs; chance is 0.1
  EXPECT_LE(accuracy, 1.0);
  EXPECT_NE(train.err.find("strata train: tiny"), std::string::npos) << train.err;

  for (const char* file :
       {"best.safetensors", "last.safetensors", "metrics.csv", "curves.png", "config.yaml"}) {
    EXPECT_TRUE(fs::is_regular_file(dir_ / "run" / file)) << file;
  }
  const std::vector<std::string> csv = lines_of(read_text(dir_ / "run" / "metrics.csv"));
  ASSERT_EQ(csv.size(), 3u);  // header + 2 epochs
  EXPECT_EQ(csv[0].rfind("epoch,", 0), 0u);
  EXPECT_NE(csv[0].find("val_accuracy"), std::string::npos);
  int w = 0, h = 0, channels = 0;
  ASSERT_EQ(stbi_info((dir_ / "run" / "curves.png").c_str(), &w, &h, &channels), 1);
  EXPECT_GT(w, h);  // two panels side by side

  // The resolved config reads back and fits the checkpoint; eval reproduces the last epoch's test metrics.
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/last.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json eval_metrics = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(eval_metrics["test_accuracy"].get<double>(), accuracy, 1e-6);
  EXPECT_EQ(eval_metrics["samples"], 500);
  // By default the evaluation report lands next to the checkpoint.
  for (const char* file :
       {"classification_report.txt", "confusion_matrix.png", "roc.png", "eval_metrics.json"})
    EXPECT_TRUE(fs::is_regular_file(dir_ / "run" / file)) << file;

  // --out puts it elsewhere: a scikit-learn-style report naming every class, two PNGs and the metrics.
  const CliResult report_eval =
      run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/last.safetensors", "--out", "report"});
  ASSERT_EQ(report_eval.code, 0) << report_eval.err;
  EXPECT_EQ(lines_of(report_eval.out).size(), 1u) << report_eval.out;
  const std::string report = read_text(dir_ / "report" / "classification_report.txt");
  for (const auto& name : data::FashionMNIST::classes())
    EXPECT_NE(report.find(name), std::string::npos) << name << " not in:\n" << report;
  EXPECT_NE(report.find("macro avg"), std::string::npos) << report;
  EXPECT_NE(report.find("weighted avg"), std::string::npos) << report;
  for (const char* png : {"confusion_matrix.png", "roc.png"}) {
    ASSERT_EQ(stbi_info((dir_ / "report" / png).c_str(), &w, &h, &channels), 1) << png;
    EXPECT_GT(w, 0) << png;
  }
  const nlohmann::json report_metrics =
      nlohmann::json::parse(read_text(dir_ / "report" / "eval_metrics.json"));
  for (const char* key : {"loss", "accuracy", "f1_macro", "roc_auc"})
    ASSERT_TRUE(report_metrics.contains(key)) << key;
  EXPECT_NEAR(report_metrics["accuracy"].get<double>(), accuracy, 1e-6);
  EXPECT_GT(report_metrics["roc_auc"].get<double>(), 0.8);
  EXPECT_LE(report_metrics["roc_auc"].get<double>(), 1.0);
  EXPECT_GT(report_metrics["f1_macro"].get<double>(), 0.0);

  // Predict a real test image written as a PNG.
  const data::ImageSplit test = data::load_fashion_mnist(false);
  const Tensor image = test.images.narrow(0, 1, 1).contiguous();  // a pullover
  ASSERT_NE(stbi_write_png((dir_ / "item.png").c_str(), 28, 28, 1, image.data_ptr<uint8_t>(), 28), 0);
  const CliResult predict = run({"predict", "-c", "good.yaml", "--checkpoint", "run/best.safetensors",
                                 "--image", "item.png", "--top-k", "3"});
  ASSERT_EQ(predict.code, 0) << predict.err;
  const std::vector<std::string> rows = lines_of(predict.out);
  ASSERT_EQ(rows.size(), 3u) << predict.out;
  double previous = 1.0, total = 0.0;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].rfind(fmt::format("{}. ", i + 1), 0), 0u) << rows[i];
    const double p = std::stod(rows[i].substr(rows[i].find_last_of(' ') + 1));
    EXPECT_LE(p, previous);
    previous = p;
    total += p;
    bool known = false;
    for (const auto& name : data::FashionMNIST::classes()) known |= rows[i].find(name) != std::string::npos;
    EXPECT_TRUE(known) << rows[i];
  }
  EXPECT_LE(total, 1.0 + 1e-3);
  EXPECT_GT(total, 0.5);

  const CliResult summary = run({"summary", "-c", "good.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("Conv2d"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("Total params: 7954"), std::string::npos) << summary.out;  // 104 + 7850
}

TEST_F(CliTest, EvalAndPredictAnImportedOnnxModel) {
  // A CNN exported by PyTorch (random weights) in place of the config's model and a checkpoint.
  const std::string model = std::string(STRATA_FIXTURES_DIR) + "/onnx_import/small_cnn.onnx";
  const CliResult eval = run({"eval", "-c", "good.yaml", "--onnx", model, "--out", "report"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json metrics = nlohmann::json::parse(lines_of(eval.out).at(0));
  EXPECT_EQ(metrics["samples"], 500);
  EXPECT_GE(metrics["test_accuracy"].get<double>(), 0.0);
  EXPECT_LE(metrics["test_accuracy"].get<double>(), 1.0);
  const data::ImageSplit test = data::load_fashion_mnist(false);
  const Tensor image = test.images.narrow(0, 1, 1).contiguous();
  ASSERT_NE(stbi_write_png((dir_ / "item.png").c_str(), 28, 28, 1, image.data_ptr<uint8_t>(), 28), 0);
  const CliResult predict =
      run({"predict", "-c", "good.yaml", "--onnx", model, "--image", "item.png", "--top-k", "2"});
  ASSERT_EQ(predict.code, 0) << predict.err;
  EXPECT_EQ(lines_of(predict.out).size(), 2u) << predict.out;
  expect_error(run({"eval", "-c", "good.yaml", "--onnx", model, "--checkpoint", model}),
               {"--onnx", "excludes"});
  expect_error(run({"predict", "-c", "good.yaml", "--onnx", "nope.onnx", "--image", "item.png"}),
               {"nope.onnx"});
}

TEST_F(CliTest, HelpOnEverySubcommand) {
  for (const char* cmd : {"train", "eval", "predict", "summary"}) {
    const CliResult r = run({cmd, "--help"});
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--config"), std::string::npos) << cmd;
  }
  const CliResult top = run({"--help"});
  EXPECT_EQ(top.code, 0);
  for (const char* cmd : {"train", "eval", "predict", "summary"})
    EXPECT_NE(top.out.find(cmd), std::string::npos);
  EXPECT_NE(run({"train", "--help"}).out.find("--epochs"), std::string::npos);
  EXPECT_NE(run({"predict", "--help"}).out.find("--image"), std::string::npos);
}

TEST_F(CliTest, CommandLineMistakes) {
  expect_error(run({}), {"a command is needed"});
  expect_error(run({"fit"}), {"unknown command 'fit'"});
  expect_error(run({"train", "-c", "good.yaml", "--epoch", "3"}),
               {"unknown option '--epoch'", "strata train --help"});
  expect_error(run({"summary", "-c", "good.yaml", "extra"}),
               {"unexpected argument 'extra' for 'strata summary'"});
  expect_error(run({"--verbose", "train", "-c", "good.yaml"}),
               {"unknown option '--verbose'", "strata --help"});
  expect_error(run({"train"}), {"--config is required"});
  expect_error(run({"eval", "-c", "good.yaml"}), {"--checkpoint is required"});
  expect_error(run({"train", "-c", "good.yaml", "--epochs", "0"}), {"--epochs", "must be positive"});
  expect_error(run({"train", "-c", "good.yaml", "--epochs", "two"}), {"--epochs", "'two' is not an integer"});
  expect_error(run({"train", "-c", "good.yaml", "--batch-size", "6.4"}), {"--batch-size", "not an integer"});
  expect_error(run({"train", "-c", "good.yaml", "--lr", "-1"}), {"--lr", "must be positive"});
  expect_error(run({"train", "-c", "good.yaml", "--seed", "-1"}), {"--seed", "must be >= 0"});
}

TEST_F(CliTest, MissingFiles) {
  expect_error(run({"train", "-c", "nope.yaml"}), {"config file nope.yaml does not exist"});
  expect_error(run({"summary", "-c", "."}), {"config file . is not a file"});
  expect_error(run({"eval", "-c", "good.yaml", "--checkpoint", "nope.safetensors"}),
               {"checkpoint nope.safetensors does not exist"});
  write("weights.safetensors", "not a checkpoint");
  expect_error(run({"train", "-c", "good.yaml", "--out", "/proc/no/such/run"}),
               {"cannot create the run folder"});
  expect_error(
      run({"predict", "-c", "good.yaml", "--checkpoint", "weights.safetensors", "--image", "nope.png"}),
      {"image nope.png does not exist"});
  // An image whose header declares 16000 x 16000 pixels is refused by the library's reader before decoding.
  std::vector<uint8_t> png = data::image::encode_png(zeros({1, 4, 4}, {.dtype = kUInt8}));
  for (size_t at : {size_t{16}, size_t{20}}) {  // IHDR width and height, big-endian
    png[at] = 0, png[at + 1] = 0, png[at + 2] = 0x3E, png[at + 3] = 0x80;
  }
  write("bomb.png", std::string(png.begin(), png.end()));
  expect_error(
      run({"predict", "-c", "good.yaml", "--checkpoint", "weights.safetensors", "--image", "bomb.png"}),
      {"cannot read image bomb.png", "16000 x 16000", "max_pixels"});
  // A data folder without the data set names the package that installs it.
  expect_error(run({"train", "-c", "good.yaml", "--set", "data.root=" + (dir_ / "no-data").string()}),
               {"dataset-fashion-mnist"});
}

TEST_F(CliTest, UnknownLayerNamesFileAndLine) {
  write_variant("bad.yaml", 9, "    - rleu");
  expect_error(run({"train", "-c", "bad.yaml"}),
               {"bad.yaml:9:", "unknown layer 'rleu'", "did you mean 'relu'"});
  write_variant("bad.yaml", 12, "    - linear: {in: 784, out: 10, biass: false}");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:12:", "no argument 'biass'", "did you mean 'bias'"});
}

TEST_F(CliTest, UnknownFieldNamesFileAndLine) {
  write_variant("bad.yaml", 3, "  limt: 2000");
  expect_error(run({"train", "-c", "bad.yaml"}),
               {"bad.yaml:3:", "unknown field 'data.limt'", "did you mean 'limit'"});
  write_variant("bad.yaml", 17, "trainig:");
  expect_error(run({"train", "-c", "bad.yaml"}), {"bad.yaml:17:", "unknown field 'trainig'"});
  write_variant("bad.yaml", 15, "  momentum: 0.9");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:15:", "'optimizer.momentum' does not apply to optimizer 'adam'"});
  write_variant("bad.yaml", 14, "  name: adamm");
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:14:", "unknown optimizer 'adamm'"});
}

TEST_F(CliTest, MissingFieldNamesFileAndLine) {
  write_variant("bad.yaml", 12, "    - linear: {in: 784}");
  expect_error(run({"train", "-c", "bad.yaml"}), {"bad.yaml:12:", "layer 'linear' needs argument 'out'"});
  write("bad.yaml", "data:\n  limit: 10\ntraining:\n  epochs: 1\n");
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml", "field 'model' is missing"});
  write_variant("bad.yaml", 16, "scheduler: {step_size: 1}");
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:16:", "field 'scheduler.name' is missing"});
  write_variant("bad.yaml", 16, "scheduler: exponential");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:16:", "scheduler 'exponential' needs argument 'gamma'"});
}

TEST_F(CliTest, MistypedFieldNamesFileAndLine) {
  write_variant("bad.yaml", 18, "  epochs: two");
  expect_error(run({"train", "-c", "bad.yaml"}),
               {"bad.yaml:18:", "'training.epochs' must be an integer, got 'two'"});
  write_variant("bad.yaml", 16, "scheduler: [cosine]");
  expect_error(run({"train", "-c", "bad.yaml"}),
               {"bad.yaml:16:", "'scheduler' must be a map or a name, got a list"});
  write_variant("bad.yaml", 8, "    - conv2d: {in: 1, out: 4, kernel: five, padding: 2}");
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:8:", "argument 'kernel' must be an integer"});
  write_variant("bad.yaml", 15, "  lr: [0.1]");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:15:", "'optimizer.lr' must be a number, got a list"});
  write_variant("bad.yaml", 15, "  lr: -0.1");
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:15:", "'optimizer.lr' must be positive"});
  // Options the registries declare: their kinds and ranges are checked where they are written.
  write_variant("bad.yaml", 15, "  eps: tiny");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:15:", "optimizer 'adam' argument 'eps' must be a number, got 'tiny'"});
  write_variant("bad.yaml", 15, "  weight_decay: -1");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:15:", "optimizer 'adam': Adam: invalid weight_decay -1"});
  write_variant("bad.yaml", 16, "scheduler: {name: onecycle, pct_start: 2}");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:16:", "scheduler 'onecycle' argument 'pct_start' must be in (0, 1), got 2"});
  write_variant("bad.yaml", 16, "loss: {name: huber, delta: 0}");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:16:", "loss 'huber' argument 'delta' must be positive"});
  write_variant("bad.yaml", 16, "loss: {name: cross_entropy, reduction: avg}");
  expect_error(run({"summary", "-c", "bad.yaml"}),
               {"bad.yaml:16:", "argument 'reduction' must be 'mean' or 'sum' or 'none', got 'avg'"});
}

TEST_F(CliTest, InvalidYamlAndMisfittingLayers) {
  write_variant("bad.yaml", 8, "    - conv2d: {in: 1, out: 4");
  expect_error(run({"train", "-c", "bad.yaml"}), {"bad.yaml:", "invalid YAML"});
  write("empty.yaml", "");
  expect_error(run({"train", "-c", "empty.yaml"}), {"empty.yaml", "empty"});
  // 4 x 14 x 14 = 784 features reach the linear layer, not 400.
  write_variant("bad.yaml", 12, "    - linear: {in: 400, out: 10}");
  expect_error(run({"train", "-c", "bad.yaml"}),
               {"bad.yaml:12:", "layer 'linear'", "does not fit its input of shape [1, 784]"});
}

TEST_F(CliTest, OverridesAreCheckedLikeTheFile) {
  expect_error(run({"summary", "-c", "good.yaml", "--set", "optimizer.lr"}),
               {"--set optimizer.lr", "KEY=VALUE"});
  expect_error(run({"summary", "-c", "good.yaml", "--set", "training.epochs=0"}),
               {"--set training.epochs=0:", "'training.epochs' must be positive"});
  expect_error(run({"summary", "-c", "good.yaml", "--set", "optimizer.betas=[0.9]"}),
               {"--set optimizer.betas=[0.9]:", "two numbers"});
  expect_error(run({"summary", "-c", "good.yaml", "--set", "data.sufle=false"}),
               {"unknown field 'data.sufle'"});
  expect_error(run({"summary", "-c", "good.yaml", "--set", "model.layers.5.linear.out=7"}),
               {"'model.layers' is a list in the config, not a map"});
  const CliResult changed =
      run({"summary", "-c", "good.yaml", "--set", "model={name: mlp, sizes: [784, 32, 10]}"});
  ASSERT_EQ(changed.code, 0) << changed.err;
  EXPECT_NE(changed.out.find("Total params: 25450"), std::string::npos)
      << changed.out;  // 784*32+32 + 32*10+10
}

TEST_F(CliTest, MismatchedOrCorruptCheckpoint) {
  // A checkpoint of another model: the message lists what does not match.
  nn::Sequential other = models::mlp({784, 32, 10});
  std::map<std::string, Tensor> tensors;
  for (const auto& [k, v] : other->state_dict()) tensors["model." + k] = v;
  io::save_safetensors((dir_ / "other.safetensors").string(), tensors);
  expect_error(run({"eval", "-c", "good.yaml", "--checkpoint", "other.safetensors"}),
               {"checkpoint other.safetensors does not fit the model of good.yaml", "missing", "unexpected"});
  write("broken.safetensors", "this is not a safetensors file");
  expect_error(run({"eval", "-c", "good.yaml", "--checkpoint", "broken.safetensors"}),
               {"broken.safetensors"});
  expect_error(
      run({"predict", "-c", "good.yaml", "--checkpoint", "other.safetensors", "--image", "good.yaml"}),
      {"cannot read image good.yaml"});
}

}  // namespace
}  // namespace strata::cli_test
