// `strata quantize` as a user runs it: train a small conv net on a slice of Fashion-MNIST, quantise it, then
// eval and predict with the int8 file (by --quantized and by --checkpoint); and the command's mistakes.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "strata/data/mnist.h"
#include "strata/io/safetensors.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

constexpr const char* kConfig = R"(name: tinyq
data:
  batch_size: 64
  limit: 3000
  test_limit: 1000
model:
  layers:
    - conv2d: {in: 1, out: 8, kernel: 3, padding: 1}
    - relu
    - maxpool2d: 2
    - conv2d: {in: 8, out: 16, kernel: 3, padding: 1}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 784, out: 64}
    - relu
    - linear: {in: 64, out: 10}
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 2
  seed: 1
  threads: 1
)";

double accuracy_of(const CliResult& r) {
  return nlohmann::json::parse(lines_of(r.out).back())["test_accuracy"].get<double>();
}

TEST_F(CliFixture, QuantizeThenEvalAndPredictInt8) {
  write("q.yaml", kConfig);
  const CliResult train = run({"train", "--config", "q.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const CliResult eval_f32 =
      run({"eval", "-c", "q.yaml", "--checkpoint", "run/best.safetensors", "--out", "rf"});
  ASSERT_EQ(eval_f32.code, 0) << eval_f32.err;
  const double f32 = accuracy_of(eval_f32);

  const CliResult q = run({"quantize", "-c", "q.yaml", "--checkpoint", "run/best.safetensors", "--out",
                           "q.safetensors", "--calibration", "128", "--method", "percentile"});
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("layer"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("test accuracy: f32"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("smaller"), std::string::npos) << q.out;
  for (const char* layer : {"\n0 ", "\n3 ", "\n7 ", "\n9 "})
    EXPECT_NE(q.out.find(layer), std::string::npos) << layer;
  EXPECT_TRUE(io::read_safetensors((dir_ / "q.safetensors").string()).metadata.count("strata.quantization"));

  const CliResult eval_q = run({"eval", "-c", "q.yaml", "--quantized", "q.safetensors", "--out", "rq"});
  ASSERT_EQ(eval_q.code, 0) << eval_q.err;
  const CliResult eval_c = run({"eval", "-c", "q.yaml", "--checkpoint", "q.safetensors", "--out", "rc"});
  ASSERT_EQ(eval_c.code, 0) << eval_c.err;
  EXPECT_DOUBLE_EQ(accuracy_of(eval_q), accuracy_of(eval_c));
  EXPECT_GE(accuracy_of(eval_q), f32 - 0.005);  // the 0.5-point budget

  const data::ImageSplit test = data::load_fashion_mnist(false);
  const Tensor image = test.images.narrow(0, 0, 1).contiguous();
  ASSERT_NE(stbi_write_png((dir_ / "item.png").c_str(), 28, 28, 1, image.data_ptr<uint8_t>(), 28), 0);
  const CliResult predict =
      run({"predict", "-c", "q.yaml", "--quantized", "q.safetensors", "--image", "item.png", "--top-k", "2"});
  ASSERT_EQ(predict.code, 0) << predict.err;
  EXPECT_EQ(lines_of(predict.out).size(), 2u) << predict.out;

  // Mistakes: no model file, an unknown calibration method, a damaged file (named in the message).
  const CliResult none = run({"eval", "-c", "q.yaml"});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("--checkpoint is required (or --onnx or --quantized)"), std::string::npos) << none.err;
  const CliResult method = run({"quantize", "-c", "q.yaml", "--checkpoint", "run/best.safetensors", "--out",
                                "x.safetensors", "--method", "kl"});
  EXPECT_EQ(method.code, 2);
  EXPECT_NE(method.err.find("kl"), std::string::npos) << method.err;
  write("bad.safetensors", "not a safetensors file");
  const CliResult bad = run({"eval", "-c", "q.yaml", "--quantized", "bad.safetensors"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.safetensors"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace strata::cli_test
