// strata/strata.h is the whole public API: this file includes nothing else of strata's and uses one symbol
// from each area, so an area missing from strata.h fails to compile here.
#include <gtest/gtest.h>

#include <string>

#include "strata/strata.h"

namespace strata {
namespace {

TEST(StrataHeader, ReachesEveryArea) {
  manual_seed(0);
  // core, ops, autograd
  Tensor x = from_vector<float>({-1.0f, 2.0f}, {1, 2});
  EXPECT_EQ(F::relu(x).to_vector<float>(), (std::vector<float>{0.0f, 2.0f}));
  {
    autograd::NoGradGuard no_grad;
    EXPECT_FALSE(ops::mul(x, x).requires_grad());
  }
  // nn, optim, models
  nn::Linear linear(2, 3);
  optim::SGD sgd(linear->parameters(), {.lr = 0.1});
  EXPECT_EQ(linear->forward(x).shape(), (Shape{1, 3}));
  EXPECT_EQ(models::mlp({2, 4, 1})->parameters().size(), 4u);
  // data, metrics, train
  data::TensorDataset dataset(zeros({4, 2}), zeros({4}, {.dtype = kInt64}));
  EXPECT_EQ(dataset.size(), 4);
  metrics::Accuracy accuracy;
  EXPECT_EQ(accuracy.count(), 0);
  train::ProgressBar bar("header", 1);
  // tune, io, compress, explain, fed, quantization, rl
  tune::SearchSpace space;
  space.uniform("lr", 0.0, 1.0);
  EXPECT_FALSE(io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/io_dtypes.safetensors").empty());
  auto mlp = models::mlp({2, 4, 1});
  EXPECT_FALSE(compress::prunable_weights(*mlp).empty());
  EXPECT_EQ(explain::AttributionOptions{}.internal_batch_size, 64);
  EXPECT_GT(fed::rdp_sampled_gaussian(0.01, 1.0, 2.0), 0.0);
  EXPECT_FALSE(quantization::is_quantized_file(std::string(STRATA_FIXTURES_DIR) + "/io_dtypes.safetensors"));
  rl::CartPole cartpole;
  EXPECT_EQ(cartpole.reset(0).size(), 4u);
  // version (generated from CMake's project() version)
  EXPECT_EQ(std::string(kVersion), std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor) + "." +
                                       std::to_string(kVersionPatch));
}

}  // namespace
}  // namespace strata
