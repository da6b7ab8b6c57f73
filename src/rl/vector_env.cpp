// N copies of one environment stepped together, with autoreset in the same step.
#include "strata/rl/vector_env.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::rl {

VectorEnv::VectorEnv(const std::function<std::unique_ptr<Env>()>& make, int64_t num_envs, uint64_t seed)
    : seed_(seed) {
  STRATA_CHECK(num_envs >= 1, "VectorEnv: num_envs must be at least 1, got {}", num_envs);
  STRATA_CHECK(static_cast<bool>(make), "VectorEnv: the environment maker is empty");
  envs_.reserve(static_cast<size_t>(num_envs));
  for (int64_t i = 0; i < num_envs; ++i) {
    envs_.push_back(make());
    STRATA_CHECK(envs_.back() != nullptr, "VectorEnv: the maker returned no environment for copy {}", i);
    const Env& first = *envs_.front();
    const Env& env = *envs_.back();
    STRATA_CHECK(
        env.name() == first.name() && env.observation_space().str() == first.observation_space().str() &&
            env.action_space().str() == first.action_space().str(),
        "VectorEnv: copy {} is {} with observations {} and actions {}, but copy 0 is {} with {} and {}", i,
        env.name(), env.observation_space().str(), env.action_space().str(), first.name(),
        first.observation_space().str(), first.action_space().str());
  }
  STRATA_CHECK(!observation_space().is_discrete(),
               "VectorEnv: {} has a discrete observation space {}; VectorEnv needs Box observations", name(),
               observation_space().str());
  returns_.assign(envs_.size(), 0.0);
  lengths_.assign(envs_.size(), 0);
}

VectorEnv::VectorEnv(const std::string& id, int64_t num_envs, uint64_t seed)
    : VectorEnv([&id] { return make_env(id); }, num_envs, seed) {}

namespace {

// Copies one observation into row `row` of `out` [N, obs_dim], checking its size.
void put_row(const Tensor& out, int64_t row, const std::vector<float>& observation, const Env& env) {
  const int64_t dim = out.size(1);
  STRATA_CHECK(static_cast<int64_t>(observation.size()) == dim,
               "VectorEnv: {} copy {} returned an observation of {} values, its space has {}", env.name(),
               row, observation.size(), dim);
  std::memcpy(out.data_ptr<float>() + row * dim, observation.data(), observation.size() * sizeof(float));
}

}  // namespace

Tensor VectorEnv::reset() {
  const int64_t n = num_envs(), dim = observation_space().dim();
  Tensor obs = empty({n, dim}, {.dtype = kFloat32});
  for (int64_t i = 0; i < n; ++i) {
    Env& env = *envs_[static_cast<size_t>(i)];
    const std::optional<uint64_t> seed =
        seeded_ ? std::nullopt : std::optional<uint64_t>(seed_ + static_cast<uint64_t>(i));
    put_row(obs, i, env.reset(seed), env);
  }
  seeded_ = true;
  std::fill(returns_.begin(), returns_.end(), 0.0);
  std::fill(lengths_.begin(), lengths_.end(), 0);
  return obs;
}

VectorStep VectorEnv::step(const Tensor& actions) {
  const int64_t n = num_envs(), obs_dim = observation_space().dim();
  const Space& space = action_space();
  STRATA_CHECK(seeded_, "VectorEnv({}): step() before reset(); call reset() first", name());
  STRATA_CHECK(actions.defined(), "VectorEnv({}): step() got an undefined actions tensor", name());
  STRATA_CHECK(actions.device().is_cpu(), "VectorEnv({}): actions must be on the CPU, got {}", name(),
               actions.device().str());
  if (space.is_discrete()) {
    STRATA_CHECK(actions.dtype() == kInt64 && actions.shape() == Shape({n}),
                 "VectorEnv({}): discrete actions must be a [{}] i64 tensor (action space {}), got {} {}",
                 name(), n, space.str(), actions.shape().str(), dtype_name(actions.dtype()));
  } else {
    STRATA_CHECK(
        actions.dtype() == kFloat32 && actions.shape() == Shape({n, space.dim()}),
        "VectorEnv({}): continuous actions must be a [{}, {}] f32 tensor (action space {}), got {} {}",
        name(), n, space.dim(), space.str(), actions.shape().str(), dtype_name(actions.dtype()));
  }
  const Tensor act = actions.contiguous();
  // Every action is checked before any copy steps, so a bad tensor leaves all copies as they were.
  if (space.is_discrete()) {
    const int64_t* a = act.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      STRATA_CHECK(a[i] >= 0 && a[i] < space.n, "VectorEnv({}): actions[{}] = {} is out of range for {}",
                   name(), i, a[i], space.str());
  } else {
    const float* a = act.data_ptr<float>();
    for (int64_t i = 0; i < n * space.dim(); ++i)
      STRATA_CHECK(!std::isnan(a[i]), "VectorEnv({}): actions[{}, {}] is NaN", name(), i / space.dim(),
                   i % space.dim());
  }

  VectorStep out;
  out.observation = empty({n, obs_dim}, {.dtype = kFloat32});
  out.final_observation = empty({n, obs_dim}, {.dtype = kFloat32});
  out.reward = empty({n}, {.dtype = kFloat32});
  out.terminated = empty({n}, {.dtype = kUInt8});
  out.truncated = empty({n}, {.dtype = kUInt8});
  float* reward = out.reward.data_ptr<float>();
  uint8_t* terminated = out.terminated.data_ptr<uint8_t>();
  uint8_t* truncated = out.truncated.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    Env& env = *envs_[static_cast<size_t>(i)];
    const Step s = space.is_discrete()
                       ? env.step(act.data_ptr<int64_t>()[i])
                       : env.step(std::span<const float>(act.data_ptr<float>() + i * space.dim(),
                                                         static_cast<size_t>(space.dim())));
    reward[i] = static_cast<float>(s.reward);
    terminated[i] = s.terminated;
    truncated[i] = s.truncated;
    put_row(out.final_observation, i, s.observation, env);
    returns_[static_cast<size_t>(i)] += s.reward;
    lengths_[static_cast<size_t>(i)] += 1;
    if (s.terminated || s.truncated) {
      out.episode_returns.push_back(returns_[static_cast<size_t>(i)]);
      out.episode_lengths.push_back(lengths_[static_cast<size_t>(i)]);
      returns_[static_cast<size_t>(i)] = 0;
      lengths_[static_cast<size_t>(i)] = 0;
      put_row(out.observation, i, env.reset(), env);
    } else {
      put_row(out.observation, i, s.observation, env);
    }
  }
  return out;
}

}  // namespace strata::rl
