// End to end: LeNet-5 trained briefly on real Fashion-MNIST images, then quantised to int8 with 256
// calibration images. With every layer forced to int8 the test accuracy must stay within the 0.5-point
// budget; the default quantize (timing and accuracy fallback) must keep the drop within it too.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "strata/data.h"
#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/quantization/quantize.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata {
namespace {

constexpr double kMean = 0.2860, kStd = 0.3530;

std::shared_ptr<data::TensorDataset> load(bool train, int64_t n) {
  const data::FashionMNIST split(train);
  return std::make_shared<data::TensorDataset>((split.inputs().slice(0, 0, n) - kMean) / kStd,
                                               split.targets().slice(0, 0, n));
}

TEST(QuantizeE2E, LeNet5LosesAtMostHalfAPoint) {
  const int threads = get_num_threads();
  set_num_threads(1);
  manual_seed(0);
  const auto start = std::chrono::steady_clock::now();
  nn::Sequential net = models::lenet5();
  data::DataLoader train_loader(load(true, 15000), {.batch_size = 64, .shuffle = true, .seed = 0});
  data::DataLoader test_loader(load(false, 3000), {.batch_size = 500});
  train::Trainer trainer(net, optim::Adam(net->parameters(), {.lr = 2e-3}), nn::CrossEntropyLoss());
  trainer.fit(train_loader, {.epochs = 1, .progress = false});
  net->eval();
  const nn::StateDict trained = net->state_dict();
  const double f32 = quantization::accuracy(*net, test_loader);
  EXPECT_GT(f32, 78.0);

  // Every layer int8 (no timing fallback, no accuracy check).
  data::DataLoader calibration(load(true, 1024), {.batch_size = 64, .shuffle = true, .seed = 1});
  quantization::quantize(*net, calibration, {.calibration_samples = 256, .require_faster = false});
  for (auto& [name, m] : net->named_modules()) EXPECT_NE(m->type_name(), "Conv2d") << name;
  const double all_int8 = quantization::accuracy(*net, test_loader);

  // The default: timed per layer, accuracy-checked, percentile calibration.
  nn::Sequential net2 = models::lenet5();
  net2->load_state_dict(trained);
  const auto report = quantization::quantize(
      *net2, calibration,
      {.method = quantization::CalibrationMethod::Percentile, .validation = &test_loader});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("LeNet-5: f32 %.2f%%, all int8 %.2f%%, timed+checked int8 %.2f%% (%zu layers), %.1f s\n", f32,
              all_int8, report.int8_accuracy, report.layers.size(), seconds);
  set_num_threads(threads);
  EXPECT_GE(all_int8, f32 - 0.5);
  EXPECT_DOUBLE_EQ(report.f32_accuracy, f32);
  EXPECT_GE(report.int8_accuracy, f32 - 0.5);
}

}  // namespace
}  // namespace strata
