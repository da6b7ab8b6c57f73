// FitOptions::clip_grad_norm / clip_grad_value: one plain SGD step of the Trainer moves every parameter by
// -lr times the gradient clipped as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ would clip it.
#include <gmock/gmock.h>

#include <algorithm>
#include <cmath>

#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train/trainer.h"

namespace strata::train {
namespace {

constexpr double kLr = 0.5;

std::shared_ptr<data::TensorDataset> points() {
  const Tensor x = from_vector<float>({1, 2, -1, 0.5f, 3, 2, -2, 1, 0, 4, -1, 2}, {4, 3});
  const Tensor y = from_vector<float>({10, -4, 7, 3}, {4, 1});
  return std::make_shared<data::TensorDataset>(x, y);
}

nn::Sequential seeded_linear() {
  manual_seed(7);
  return nn::Sequential(nn::Linear(3, 1));
}

std::vector<float> flat_parameters(nn::Module& m) {
  std::vector<float> out;
  for (const Tensor& p : m.parameters()) {
    const auto v = p.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// The unclipped gradients of one full batch, flattened in parameters() order.
std::vector<float> raw_gradients() {
  nn::Sequential net = seeded_linear();
  const auto set = points();
  const Tensor loss = nn::MSELoss()(net(set->inputs()), set->targets());
  loss.backward();
  std::vector<float> out;
  for (const Tensor& p : net->parameters()) {
    const auto g = p.grad().to_vector<float>();
    out.insert(out.end(), g.begin(), g.end());
  }
  return out;
}

// Parameters after one Trainer epoch of one full batch, plain SGD, with `options`' clipping.
std::vector<float> one_step(FitOptions options) {
  nn::Sequential net = seeded_linear();
  data::DataLoader loader(points(), {.batch_size = 4});
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = kLr}), nn::MSELoss());
  options.epochs = 1;
  options.progress = false;
  trainer.fit(loader, options);
  return flat_parameters(*net);
}

std::vector<float> sgd_step(const std::vector<float>& grads) {
  nn::Sequential net = seeded_linear();
  std::vector<float> p = flat_parameters(*net);
  for (size_t i = 0; i < p.size(); ++i) p[i] -= static_cast<float>(kLr) * grads[i];
  return p;
}

MATCHER_P(FloatsNear, expected, "") {
  if (arg.size() != expected.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::abs(arg[i] - expected[i]) > 1e-4 * (1 + std::abs(expected[i]))) return false;
  }
  return true;
}

TEST(GradClip, NormScalesAllGradientsTogether) {
  const std::vector<float> g = raw_gradients();
  double norm = 0;
  for (float v : g) norm += double(v) * v;
  norm = std::sqrt(norm);
  ASSERT_GT(norm, 1.0);  // the clipping below bites
  const double max_norm = 0.25 * norm;
  std::vector<float> clipped = g;
  for (float& v : clipped) v = static_cast<float>(v * max_norm / (norm + 1e-6));  // PyTorch's scale
  EXPECT_THAT(one_step({.clip_grad_norm = max_norm}), FloatsNear(sgd_step(clipped)));
  EXPECT_THAT(one_step({}), FloatsNear(sgd_step(g)));
  // A bound above the norm leaves the step as it was.
  EXPECT_THAT(one_step({.clip_grad_norm = 2 * norm}), FloatsNear(sgd_step(g)));
}

TEST(GradClip, ValueClampsEachElement) {
  const std::vector<float> g = raw_gradients();
  float largest = 0;
  for (float v : g) largest = std::max(largest, std::abs(v));
  const float bound = 0.5f * largest;
  std::vector<float> clipped = g;
  for (float& v : clipped) v = std::clamp(v, -bound, bound);
  ASSERT_NE(clipped, g);
  EXPECT_THAT(one_step({.clip_grad_value = bound}), FloatsNear(sgd_step(clipped)));
}

TEST(GradClip, NegativeBoundIsAnError) {
  EXPECT_THROW(
      {
        try {
          one_step({.clip_grad_norm = -1});
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), ::testing::HasSubstr("clip_grad_norm"));
          throw;
        }
      },
      Error);
}

}  // namespace
}  // namespace strata::train
