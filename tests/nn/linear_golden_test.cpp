// nn::Linear against PyTorch's nn.Linear (tests/fixtures/nn.safetensors): forward and backward with the
// weights copied from the fixture, and the default initialisation against PyTorch's statistics.
#include <cmath>

#include "layer_golden_util.h"

namespace strata::nn {
namespace {

struct LinearCase {
  const char* name;
  int64_t in, out;
  bool bias;
};
constexpr LinearCase kCases[] = {
    {"linear", 4, 3, true},    {"linear_no_bias", 4, 3, false}, {"linear_3d", 6, 2, true},
    {"linear_1d", 3, 4, true}, {"linear_f32", 8, 5, true},
};

TEST(LinearGolden, MatchesPyTorchForwardAndBackward) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    Linear fc(c.in, c.out, c.bias);
    std::vector<std::string> params{"weight"};
    if (c.bias) params.push_back("bias");
    golden::expect_layer_matches(c.name, *fc, params);
  }
}

TEST(LinearGolden, CoversEveryFixtureCase) {
  std::set<std::string> names;
  for (const auto& c : kCases) names.insert(c.name);
  golden::expect_layer_cases("linear", names);
}

TEST(LinearGolden, DefaultInitialisationMatchesPyTorch) {
  // PyTorch: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)); the fixture holds its statistics for 256 -> 128.
  const auto& fx = golden::fixture(golden::kLayerFixture);
  const double torch_absmax = fx.at("init.linear_weight_absmax").item();
  const double torch_std = fx.at("init.linear_weight_std").item();
  const double torch_bias_absmax = fx.at("init.linear_bias_absmax").item();
  const double bound = 1.0 / std::sqrt(256.0);
  EXPECT_NEAR(torch_std, bound / std::sqrt(3.0), 0.01 * bound);  // the scheme the fixture reflects

  manual_seed(7);
  Linear fc(256, 128);
  const double absmax = fc->weight.abs().max().item();
  EXPECT_LE(absmax, bound);
  EXPECT_NEAR(absmax, torch_absmax, 0.002 * bound);  // 32768 draws fill the range
  EXPECT_NEAR(ops::std(fc->weight).item(), torch_std, 0.02 * torch_std);
  EXPECT_NEAR(fc->weight.mean().item(), 0.0, 0.02 * bound);
  const double bias_absmax = fc->bias.abs().max().item();
  EXPECT_LE(bias_absmax, bound);
  EXPECT_NEAR(bias_absmax, torch_bias_absmax, 0.06 * bound);  // 128 draws
}

}  // namespace
}  // namespace strata::nn
