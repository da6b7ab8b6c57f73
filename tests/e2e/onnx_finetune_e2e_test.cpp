// Transfer from another framework: a CNN exported by PyTorch (tests/fixtures/onnx_import/small_cnn.onnx, random
// weights) is imported and trained on Fashion-MNIST with strata's autograd and Adam; its test accuracy rises
// from chance to above 80% within one pass over 30k images.
#include <gtest/gtest.h>

#include "strata/autograd/grad_mode.h"
#include "strata/data/mnist.h"
#include "strata/io/onnx_import.h"
#include "strata/optim/adam.h"
#include "test_util.h"

namespace strata {
namespace {

Tensor images(const data::ImageSplit& split, int64_t begin, int64_t end) {
  return F::div(split.images.slice(0, begin, end).to(kFloat32), 255.0).unsqueeze(1).contiguous();
}

double accuracy(onnx::OnnxModel& model, const data::ImageSplit& test, int64_t n) {
  autograd::NoGradGuard no_grad;
  model.eval();
  int64_t correct = 0;
  for (int64_t b = 0; b < n; b += 500) {
    const Tensor pred = model.forward(images(test, b, b + 500)).argmax(1);
    correct += F::eq(pred, test.labels.slice(0, b, b + 500)).to(kInt64).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

TEST(OnnxImportFinetune, PyTorchExportLearnsFashionMnist) {
  manual_seed(0);
  auto model = onnx::import_model(std::string(STRATA_FIXTURES_DIR) + "/onnx_import/small_cnn.onnx");
  const data::ImageSplit train = data::load_fashion_mnist(true);
  const data::ImageSplit test = data::load_fashion_mnist(false);
  const int64_t n_test = 2000;
  const double before = accuracy(*model, test, n_test);
  optim::Adam opt(model->parameters(), {.lr = 2e-3});
  for (int64_t b = 0; b + 64 <= 30000; b += 64) {
    model->train();
    const Tensor x = images(train, b, b + 64);
    const Tensor loss = F::cross_entropy(model->forward(x), train.labels.slice(0, b, b + 64));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  const double after = accuracy(*model, test, n_test);
  std::printf("PyTorch-exported CNN fine-tuned in strata: test accuracy %.3f -> %.3f\n", before, after);
  EXPECT_LT(before, 0.3);
  EXPECT_GT(after, 0.80);
}

}  // namespace
}  // namespace strata
