// GAE(lambda) against a hand-computed rollout with a termination, a truncation, and a step that is both.
#include "strata/rl/rollout_buffer.h"

#include "test_util.h"

namespace strata::rl {
namespace {

Tensor f32(std::vector<float> v) { return from_vector<float>(v); }
Tensor u8(std::vector<uint8_t> v) { return from_vector<uint8_t>(v); }

// Two copies, four steps, gamma 0.9, lambda 0.8.
// Copy 0: rewards 1, values 0.5 0.6 0.7 0.8, its episode terminated at step 1 (and was also cut by the time
//   limit there, which must not bootstrap); V(last) = 0.9.
// Copy 1: rewards 1 2 3 4, values 1 2 3 4, truncated at step 2 with V(final observation) = 10 (the reward
//   becomes 3 + 0.9 * 10 = 12); V(last) = 5.
// By hand, from the last step back (delta = r + 0.9 V' (1 - done) - V, A = delta + 0.72 (1 - done) A'):
//   copy 0: A3 = 1 + 0.81 - 0.8 = 1.01, A2 = 1 + 0.72 - 0.7 + 0.72 * 1.01 = 1.7472, A1 = 1 - 0.6 = 0.4,
//           A0 = 1 + 0.54 - 0.5 + 0.72 * 0.4 = 1.328
//   copy 1: A3 = 4 + 4.5 - 4 = 4.5, A2 = 12 - 3 = 9, A1 = 2 + 2.7 - 2 + 0.72 * 9 = 9.18,
//           A0 = 1 + 1.8 - 1 + 0.72 * 9.18 = 8.4096
TEST(RolloutBuffer, GaeMatchesTheHandComputedCase) {
  RolloutBuffer buffer(4, 2, 1, 1, true);
  const std::vector<std::vector<float>> rewards = {{1, 1}, {1, 2}, {1, 3}, {1, 4}};
  const std::vector<std::vector<float>> values = {{0.5f, 1}, {0.6f, 2}, {0.7f, 3}, {0.8f, 4}};
  const std::vector<std::vector<uint8_t>> terminated = {{0, 0}, {1, 0}, {0, 0}, {0, 0}};
  const std::vector<std::vector<uint8_t>> truncated = {{0, 0}, {1, 0}, {0, 1}, {0, 0}};
  const std::vector<std::vector<float>> final_values = {{0, 0}, {100, 0}, {0, 10}, {0, 0}};
  for (int t = 0; t < 4; ++t) {
    buffer.add(f32({float(t), float(10 + t)}).reshape({2, 1}), from_vector<int64_t>({t % 2, 1}),
               f32(rewards[t]), u8(terminated[t]), u8(truncated[t]), f32(values[t]), f32({-0.5f, -0.25f}),
               f32(final_values[t]), 0.9);
  }
  EXPECT_TRUE(buffer.full());
  buffer.compute_returns_and_advantage(f32({0.9f, 5.0f}), 0.9, 0.8);
  // Step-major: element t * 2 + copy.
  const std::vector<double> want = {1.328, 8.4096, 0.4, 9.18, 1.7472, 9.0, 1.01, 4.5};
  const std::vector<double> advantages = buffer.advantages().to_vector<double>();
  const std::vector<double> returns = buffer.returns().to_vector<double>();
  const std::vector<double> v = buffer.values().to_vector<double>();
  ASSERT_EQ(advantages.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_NEAR(advantages[k], want[k], 1e-5) << k;
    EXPECT_NEAR(returns[k], want[k] + v[k], 1e-5) << k;
  }
  EXPECT_NEAR(buffer.rewards().at({5}), 12.0, 1e-5);  // copy 1's truncation bootstrap
  EXPECT_NEAR(buffer.rewards().at({2}), 1.0, 1e-6);   // terminated: no bootstrap despite the truncation flag
  EXPECT_EQ(buffer.observations().shape(), (Shape{8, 1}));
  EXPECT_EQ(buffer.observations().to_vector<float>()[3], 11.0f);
  EXPECT_EQ(buffer.actions().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(buffer.log_probs().to_vector<float>()[1], -0.25f);
}

// lambda = 1 gives Monte-Carlo returns bootstrapped only at the end; lambda = 0 one-step TD targets.
TEST(RolloutBuffer, LambdaOneAndZero) {
  for (double lambda : {1.0, 0.0}) {
    RolloutBuffer buffer(3, 1, 1, 2, false);
    for (int t = 0; t < 3; ++t) {
      buffer.add(f32({0}).reshape({1, 1}), f32({0.5f, -0.5f}).reshape({1, 2}), f32({1}), u8({0}), u8({0}),
                 f32({2}), f32({0}), Tensor(), 0.5);
    }
    buffer.compute_returns_and_advantage(f32({4}), 0.5, lambda);
    const auto returns = buffer.returns().to_vector<double>();
    if (lambda == 1.0) {
      EXPECT_NEAR(returns[0], 1 + 0.5 + 0.25 + 0.125 * 4, 1e-6);
      EXPECT_NEAR(returns[2], 1 + 0.5 * 4, 1e-6);
    } else {
      EXPECT_NEAR(returns[0], 1 + 0.5 * 2, 1e-6);
      EXPECT_NEAR(returns[2], 1 + 0.5 * 4, 1e-6);
    }
  }
}

TEST(RolloutBuffer, BadInputNamesTheField) {
  RolloutBuffer buffer(1, 2, 3, 1, true);
  const std::string message = testing::error_of([&] {
    buffer.add(zeros({2, 2}), from_vector<int64_t>({0, 1}), zeros({2}), u8({0, 0}), u8({0, 0}), zeros({2}),
               zeros({2}), Tensor(), 0.9);
  });
  EXPECT_NE(message.find("observations must hold 6 f32 values, got [2, 2]"), std::string::npos) << message;
  EXPECT_NE(testing::error_of([&] {
              buffer.compute_returns_and_advantage(zeros({2}), 0.9, 0.9);
            }).find("holds 0 of 1 steps"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              buffer.add(zeros({2, 3}), from_vector<int64_t>({0, 1}), zeros({2}), u8({0, 0}), u8({1, 0}),
                         zeros({2}), zeros({2}), Tensor(), 0.9);
            }).find("final_values"),
            std::string::npos);
  // Terminated and truncated at once: nothing to bootstrap, so no final values are needed.
  buffer.add(zeros({2, 3}), from_vector<int64_t>({0, 1}), zeros({2}), u8({1, 0}), u8({1, 0}), zeros({2}),
             zeros({2}), Tensor(), 0.9);
  EXPECT_TRUE(buffer.full());
}

}  // namespace
}  // namespace strata::rl
