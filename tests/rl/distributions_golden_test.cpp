// Categorical and diagonal Normal log-probabilities and entropies (and their gradients) against
// torch.distributions: tests/fixtures/rl_distributions.safetensors, from scripts/gen_rl_pg_fixtures.py.
#include "golden_util.h"
#include "strata/rl/distributions.h"
#include "test_util.h"

namespace strata::rl {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("categorical_log_prob",
                          [](Case& c) { return Categorical(c.in("logits")).log_prob(c.in("actions")); }),
      golden::f64_and_f32("categorical_entropy",
                          [](Case& c) { return Categorical(c.in("logits")).entropy(); }),
      golden::f64_and_f32(
          "normal_log_prob",
          [](Case& c) { return Normal(c.in("mean"), c.in("log_std")).log_prob(c.in("actions")); }),
      golden::f64_and_f32("normal_entropy",
                          [](Case& c) { return Normal(c.in("mean"), c.in("log_std")).entropy(); }),
  });
  return all;
}

STRATA_GOLDEN_TESTS(DistributionsGolden, "rl_distributions.safetensors", cases);

// Sampling: a Categorical's draws follow its probabilities and the Normal's its mean and spread; the same
// generator seed gives the same draws.
TEST(Distributions, SamplesFollowTheDistribution) {
  const Tensor logits = from_vector<float>({0.0f, std::log(3.0f), -100.0f}, {1, 3}).expand({20000, 3});
  Generator g(7);
  const std::vector<int64_t> draws = Categorical(logits).sample(g).to_vector<int64_t>();
  int64_t ones = 0;
  for (int64_t d : draws) {
    ASSERT_TRUE(d == 0 || d == 1) << d;
    ones += d;
  }
  EXPECT_NEAR(static_cast<double>(ones) / draws.size(), 0.75, 0.01);
  Generator g2(7);
  EXPECT_EQ(Categorical(logits).sample(g2).to_vector<int64_t>(), draws);

  const Tensor mean = full({20000, 2}, 1.5);
  const Tensor log_std = from_vector<float>({std::log(0.5f), 0.0f});
  const Tensor x = Normal(mean, log_std).sample(g);
  const Tensor m = x.mean(Shape{0}), s = ops::std(x, Shape{0});
  EXPECT_NEAR(m.at({0}), 1.5, 0.02);
  EXPECT_NEAR(s.at({0}), 0.5, 0.02);
  EXPECT_NEAR(s.at({1}), 1.0, 0.02);
  EXPECT_TRUE(equal(Normal(mean, log_std).mode(), mean));
  EXPECT_EQ(Categorical(from_vector<float>({0.1f, 2.0f, -1.0f}, {1, 3})).mode().to_vector<int64_t>(),
            std::vector<int64_t>{1});
}

TEST(Distributions, BadShapesNameTheDistribution) {
  EXPECT_NE(testing::error_of([] { Categorical(zeros({3})); }).find("Categorical: logits must be [N, K]"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              Categorical(zeros({2, 3})).log_prob(zeros({2}));
            }).find("i64"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              Normal(zeros({2, 3}), zeros({2}));
            }).find("Normal: log_std must be [3]"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::rl
