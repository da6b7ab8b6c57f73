#include "strata/rl/replay_buffer.h"

#include <gtest/gtest.h>

#include <map>

#include "test_util.h"

namespace strata::rl {
namespace {

using testing::error_of;

Space obs_space(int64_t dim) {
  return Space::box(std::vector<float>(dim, -10.f), std::vector<float>(dim, 10.f));
}

// Rows first..first+n-1 of a stream where transition k has obs [k, -k], action k % 3, reward k / 10,
// next obs [k + 0.5, -k - 0.5] and terminated k % 4 == 0.
void add_stream(ReplayBuffer& buffer, int64_t first, int64_t n) {
  std::vector<float> obs, next, rew, term;
  std::vector<int64_t> act;
  for (int64_t k = first; k < first + n; ++k) {
    const float x = static_cast<float>(k);
    obs.insert(obs.end(), {x, -x});
    next.insert(next.end(), {x + 0.5f, -x - 0.5f});
    act.push_back(k % 3);
    rew.push_back(x / 10);
    term.push_back(k % 4 == 0 ? 1.f : 0.f);
  }
  buffer.add(from_vector(obs, {n, 2}), from_vector(act, {n}), from_vector(rew, {n}),
             from_vector(next, {n, 2}), from_vector(term, {n}));
}

// The stream index k stored at each storage row.
std::vector<int64_t> stored_stream(const ReplayBuffer& buffer) {
  const ReplayBufferSamples all = buffer.get(arange(static_cast<double>(buffer.size()), {.dtype = kInt64}));
  const auto obs = all.observations.to_vector<float>();
  const auto next = all.next_observations.to_vector<float>();
  const auto act = all.actions.to_vector<int64_t>();
  const auto rew = all.rewards.to_vector<float>();
  const auto term = all.terminated.to_vector<float>();
  std::vector<int64_t> ks;
  for (int64_t i = 0; i < buffer.size(); ++i) {
    const auto k = static_cast<int64_t>(obs[2 * i]);
    const float x = static_cast<float>(k);
    // Every field of the row belongs to the same transition.
    EXPECT_EQ(obs[2 * i + 1], -x);
    EXPECT_EQ(next[2 * i], x + 0.5f);
    EXPECT_EQ(next[2 * i + 1], -x - 0.5f);
    EXPECT_EQ(act[i], k % 3);
    EXPECT_EQ(rew[i], x / 10);
    EXPECT_EQ(term[i], k % 4 == 0 ? 1.f : 0.f);
    ks.push_back(k);
  }
  return ks;
}

TEST(ReplayBuffer, StoresTransitionsInOrder) {
  ReplayBuffer buffer(8, obs_space(2), Space::discrete(3));
  EXPECT_EQ(buffer.size(), 0);
  add_stream(buffer, 0, 3);
  add_stream(buffer, 3, 2);
  EXPECT_EQ(buffer.size(), 5);
  EXPECT_EQ(buffer.pos(), 5);
  EXPECT_FALSE(buffer.full());
  EXPECT_EQ(stored_stream(buffer), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(ReplayBuffer, WrapsAroundOverwritingTheOldest) {
  ReplayBuffer buffer(5, obs_space(2), Space::discrete(3));
  add_stream(buffer, 0, 3);
  add_stream(buffer, 3, 4);  // rows 3, 4, then 0, 1
  EXPECT_TRUE(buffer.full());
  EXPECT_EQ(buffer.size(), 5);
  EXPECT_EQ(buffer.pos(), 2);
  EXPECT_EQ(stored_stream(buffer), (std::vector<int64_t>{5, 6, 2, 3, 4}));
  add_stream(buffer, 7, 3);  // rows 2, 3, 4: exactly to the end
  EXPECT_EQ(buffer.pos(), 0);
  EXPECT_EQ(stored_stream(buffer), (std::vector<int64_t>{5, 6, 7, 8, 9}));
}

TEST(ReplayBuffer, MoreRowsThanCapacityKeepsTheNewest) {
  ReplayBuffer buffer(4, obs_space(2), Space::discrete(3));
  add_stream(buffer, 0, 1);
  add_stream(buffer, 1, 10);  // 1..10 written from row 1, wrapping twice: rows hold 8, 9, 10, 7
  EXPECT_EQ(buffer.size(), 4);
  EXPECT_EQ(buffer.pos(), 3);
  EXPECT_EQ(stored_stream(buffer), (std::vector<int64_t>{8, 9, 10, 7}));
}

TEST(ReplayBuffer, NextObservationIsTheFinalOneAndTruncationIsNotTermination) {
  // Three copies: 0 terminated, 1 truncated (both autoreset: `observation` is a new episode's first), 2 runs
  // on.
  ReplayBuffer buffer(10, obs_space(2), Space::discrete(2));
  const Tensor seen = from_vector<float>({1, 1, 2, 2, 3, 3}, {3, 2});
  VectorStep step;
  step.observation = from_vector<float>({0, 0, 0, 0, 3.5f, 3.5f}, {3, 2});
  step.final_observation = from_vector<float>({1.5f, 1.5f, 2.5f, 2.5f, 3.5f, 3.5f}, {3, 2});
  step.reward = from_vector<float>({1, 1, 1});
  step.terminated = from_vector<uint8_t>({1, 0, 0}, {3});
  step.truncated = from_vector<uint8_t>({0, 1, 0}, {3});
  buffer.add(seen, from_vector<int64_t>({0, 1, 1}), step);
  const ReplayBufferSamples s = buffer.get(from_vector<int64_t>({0, 1, 2}));
  EXPECT_EQ(s.observations.to_vector<float>(), seen.to_vector<float>());
  EXPECT_EQ(s.next_observations.to_vector<float>(), step.final_observation.to_vector<float>());
  EXPECT_EQ(s.terminated.to_vector<float>(), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(s.actions.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(s.rewards.to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(ReplayBuffer, StoresBoxActions) {
  ReplayBuffer buffer(4, obs_space(1), Space::box({-2.f, -2.f}, {2.f, 2.f}));
  buffer.add(from_vector<float>({1, 2}, {2, 1}), from_vector<float>({0.5f, -0.5f, 1.5f, -1.5f}, {2, 2}),
             from_vector<float>({0, 1}), from_vector<float>({2, 3}, {2, 1}), from_vector<float>({0, 0}));
  const ReplayBufferSamples s = buffer.get(from_vector<int64_t>({1}));
  EXPECT_EQ(s.actions.shape(), (Shape{1, 2}));
  EXPECT_EQ(s.actions.to_vector<float>(), (std::vector<float>{1.5f, -1.5f}));
}

TEST(ReplayBuffer, SamplesUniformlyFromHeldRowsAndIsSeeded) {
  ReplayBuffer buffer(100, obs_space(2), Space::discrete(3));
  add_stream(buffer, 0, 10);  // only rows 0..9 hold transitions
  Generator g1(7), g2(7), g3(8);
  const ReplayBufferSamples a = buffer.sample(5000, g1), b = buffer.sample(5000, g2),
                            c = buffer.sample(5000, g3);
  EXPECT_EQ(a.observations.to_vector<float>(), b.observations.to_vector<float>());
  EXPECT_NE(a.observations.to_vector<float>(), c.observations.to_vector<float>());
  std::map<int64_t, int64_t> counts;
  const auto obs = a.observations.to_vector<float>();
  for (int64_t i = 0; i < 5000; ++i) ++counts[static_cast<int64_t>(obs[2 * i])];
  ASSERT_EQ(counts.size(), 10u);
  EXPECT_EQ(counts.begin()->first, 0);
  EXPECT_EQ(counts.rbegin()->first, 9);
  for (const auto& [k, n] : counts) EXPECT_NEAR(n, 500, 100) << "row " << k;  // ~4.5 standard deviations
}

TEST(ReplayBuffer, RejectsBadInput) {
  EXPECT_NE(error_of([] { ReplayBuffer(0, obs_space(2), Space::discrete(2)); }).find("buffer_size"),
            std::string::npos);
  EXPECT_NE(error_of([] { ReplayBuffer(4, Space::discrete(5), Space::discrete(2)); }).find("Box"),
            std::string::npos);
  ReplayBuffer buffer(4, obs_space(2), Space::discrete(3));
  EXPECT_NE(error_of([&] { buffer.sample(2, default_generator()); }).find("empty"), std::string::npos);
  const Tensor obs = zeros({2, 2}), act = zeros({2}, {.dtype = kInt64}), rew = zeros({2}), term = zeros({2});
  EXPECT_NE(error_of([&] {
              buffer.add(zeros({2, 3}), act, rew, obs, term);
            }).find("observations must have shape [2, 2]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              buffer.add(obs, act, rew, zeros({3, 2}), term);
            }).find("next_observations"),
            std::string::npos);
  EXPECT_NE(error_of([&] { buffer.add(obs, zeros({2}), rew, obs, term); }).find("i64"), std::string::npos);
  EXPECT_NE(error_of([&] {
              buffer.add(obs, act, zeros({2, 1}), obs, term);
            }).find("rewards"),
            std::string::npos);
  EXPECT_NE(error_of([&] { buffer.add(obs, act, rew, obs, zeros({3})); }).find("terminated"),
            std::string::npos);
  buffer.add(obs, act, rew, obs, term);
  EXPECT_NE(error_of([&] { buffer.sample(0, default_generator()); }).find("batch_size"), std::string::npos);
  EXPECT_NE(error_of([&] { buffer.get(from_vector<int64_t>({2})); }).find("[0, 2)"), std::string::npos);
  EXPECT_NE(error_of([&] { buffer.get(zeros({1})); }).find("i64"), std::string::npos);
}

}  // namespace
}  // namespace strata::rl
