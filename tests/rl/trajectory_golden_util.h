#pragma once
// Environment goldens: replay each trajectory of tests/fixtures/rl_<env>.safetensors (written by
// scripts/gen_rl_fixtures.py from a reference implementation of the same equations) and compare every step.
//
// A case `c` stores the start state `c.state`, the actions `c.actions` ([T] i64 or [T, A] f32) and, per step,
// `c.observations` [T, O] f32, `c.states` [T, D] f64, `c.rewards` [T] f64, `c.terminated` and `c.truncated`
// [T] u8. The environment is reset, put in the start state with set_state() and stepped with the actions.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "golden_util.h"
#include "strata/rl/env.h"

namespace strata::rl::golden {

// Observations are f32: 1e-6 relative (plus 1e-7 absolute near zero); states and rewards are f64, 1e-9
// relative. (Both sides compute the same float64 operations in the same order, so today they agree exactly.)
inline bool close(double got, double want, double rtol, double atol) {
  return got == want || std::abs(got - want) <= atol + rtol * std::abs(want);
}

// Tensor `<name>.<part>` of `file`.
inline const Tensor& stored(const std::string& file, const std::string& name, const std::string& part) {
  const auto& tensors = ::strata::golden::fixture(file);
  auto it = tensors.find(name + "." + part);
  STRATA_CHECK(it != tensors.end(), "{}: no tensor {}.{}", file, name, part);
  return it->second;
}

// Replays case `name` of `file` on `env` (an E with set_state(E::State)).
template <typename E>
void replay(const std::string& file, const std::string& name) {
  SCOPED_TRACE(file + ": case " + name);
  const auto at = [&](const std::string& part) -> const Tensor& { return stored(file, name, part); };
  const auto start = stored(file, name, "state").to_vector<double>();
  const auto states = stored(file, name, "states").to_vector<double>();
  const auto observations = stored(file, name, "observations").to_vector<float>();
  const auto rewards = stored(file, name, "rewards").to_vector<double>();
  const auto terminated = stored(file, name, "terminated").to_vector<uint8_t>();
  const auto truncated = stored(file, name, "truncated").to_vector<uint8_t>();
  const Tensor& actions = at("actions");
  const bool discrete = actions.dtype() == kInt64;
  const auto discrete_actions = discrete ? actions.to_vector<int64_t>() : std::vector<int64_t>();
  const auto box_actions = discrete ? std::vector<float>() : actions.to_vector<float>();
  const int64_t act_dim = discrete ? 1 : actions.size(1);
  const int64_t steps = at("rewards").size(0), obs_dim = at("observations").size(1);
  const int64_t state_dim = static_cast<int64_t>(start.size());

  E env;
  ASSERT_EQ(env.observation_space().dim(), obs_dim);
  env.reset(0);
  typename E::State state{};
  ASSERT_EQ(static_cast<int64_t>(state.size()), state_dim);
  for (int64_t i = 0; i < state_dim; ++i) state[static_cast<size_t>(i)] = start[static_cast<size_t>(i)];
  env.set_state(state);

  int64_t bad = 0;
  for (int64_t t = 0; t < steps && bad < 5; ++t) {
    Step s;
    if (discrete)
      s = env.step(discrete_actions[static_cast<size_t>(t)]);
    else
      s = env.step(std::span<const float>(box_actions.data() + t * act_dim, static_cast<size_t>(act_dim)));
    const auto row = [t](int64_t dim, int64_t i) { return static_cast<size_t>(t * dim + i); };
    const auto failed = [&] { return ::testing::Test::HasFailure(); };
    const bool before = failed();
    ASSERT_EQ(static_cast<int64_t>(s.observation.size()), obs_dim);
    for (int64_t i = 0; i < obs_dim; ++i)
      EXPECT_TRUE(close(s.observation[static_cast<size_t>(i)], observations[row(obs_dim, i)], 1e-6, 1e-7))
          << "step " << t << " observation[" << i << "]: strata " << s.observation[static_cast<size_t>(i)]
          << ", reference " << observations[row(obs_dim, i)];
    for (int64_t i = 0; i < state_dim; ++i)
      EXPECT_TRUE(close(env.state()[static_cast<size_t>(i)], states[row(state_dim, i)], 1e-9, 1e-12))
          << "step " << t << " state[" << i << "]: strata " << env.state()[static_cast<size_t>(i)]
          << ", reference " << states[row(state_dim, i)];
    EXPECT_TRUE(close(s.reward, rewards[static_cast<size_t>(t)], 1e-9, 1e-12))
        << "step " << t << " reward: strata " << s.reward << ", reference "
        << rewards[static_cast<size_t>(t)];
    EXPECT_EQ(s.terminated, terminated[static_cast<size_t>(t)] != 0) << "step " << t;
    EXPECT_EQ(s.truncated, truncated[static_cast<size_t>(t)] != 0) << "step " << t;
    if (failed() && !before) ++bad;
  }
}

// The case names of `file`, checked against the test's list.
inline void expect_cases(const std::string& file, const std::set<std::string>& listed) {
  EXPECT_EQ(::strata::golden::fixture_cases(file), listed) << file;
}

// Whether case `name` of `file` ends by termination (else by the time limit).
inline bool ends_terminated(const std::string& file, const std::string& name) {
  const auto& tensors = ::strata::golden::fixture(file);
  const auto flags = tensors.at(name + ".terminated").to_vector<uint8_t>();
  return flags.back() != 0;
}

}  // namespace strata::rl::golden
