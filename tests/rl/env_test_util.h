#pragma once
// Helpers for the environment tests: seeded rollouts and the checks every environment shares.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "strata/rl/env.h"
#include "test_util.h"

namespace strata::rl::testing {

// Every observation of `episodes` episodes of `env`, the first reset with `seed` and the later ones
// continuing its stream; the action of step t is action(t) (discrete) and episodes end when they terminate or
// truncate.
inline std::vector<std::vector<float>> rollout(Env& env, uint64_t seed, int64_t episodes,
                                               const std::function<int64_t(int64_t)>& action) {
  std::vector<std::vector<float>> observations;
  for (int64_t e = 0; e < episodes; ++e) {
    observations.push_back(e == 0 ? env.reset(seed) : env.reset());
    for (int64_t t = 0;; ++t) {
      const Step s = env.step(action(t));
      observations.push_back(s.observation);
      if (s.terminated || s.truncated) break;
    }
  }
  return observations;
}

// The same seed gives the same episodes; another seed, and the continued stream, give others.
inline void expect_seeding_is_deterministic(const std::function<std::unique_ptr<Env>()>& make,
                                            const std::function<int64_t(int64_t)>& action) {
  auto a = make(), b = make(), c = make();
  const auto first = rollout(*a, 7, 3, action);
  EXPECT_EQ(first, rollout(*b, 7, 3, action));
  EXPECT_NE(first, rollout(*c, 8, 3, action));
  // Reseeding an environment that has already run reproduces the episodes.
  EXPECT_EQ(first, rollout(*a, 7, 3, action));
  // Without a seed, reset() continues the stream: a new first observation.
  a->reset(7);
  EXPECT_NE(a->reset(), first.front());
}

// Whether each of `values` lies in [low, high].
inline void expect_within(const std::vector<double>& values, double low, double high) {
  for (double v : values) {
    EXPECT_GE(v, low);
    EXPECT_LE(v, high);
  }
}

}  // namespace strata::rl::testing
