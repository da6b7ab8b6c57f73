#pragma once
// N copies of one environment stepped together (Gymnasium's SyncVectorEnv), what agents train on.
// Copies that finish an episode are reset in the same step (autoreset): the returned observation is the
// new episode's first one and the finished episode's last observation is kept in `final_observation`.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/rl/env.h"

namespace strata::rl {

// One step of all copies.
struct VectorStep {
  Tensor observation;        // [N, obs_dim] f32 (after autoreset)
  Tensor reward;             // [N] f32
  Tensor terminated;         // [N] u8
  Tensor truncated;          // [N] u8
  Tensor final_observation;  // [N, obs_dim] f32: the last observation of copies that finished, else a copy of
                             // `observation`
  // Returns (sum of rewards) and lengths of the episodes that ended in this step, in copy order.
  std::vector<double> episode_returns;
  std::vector<int64_t> episode_lengths;
};

class VectorEnv {
 public:
  // `num_envs` copies made by `make`; copy i is seeded with seed + i at the first reset().
  VectorEnv(const std::function<std::unique_ptr<Env>()>& make, int64_t num_envs, uint64_t seed);
  // Copies of make_env(id).
  VectorEnv(const std::string& id, int64_t num_envs, uint64_t seed);

  int64_t num_envs() const { return static_cast<int64_t>(envs_.size()); }
  const Space& observation_space() const { return envs_.front()->observation_space(); }
  const Space& action_space() const { return envs_.front()->action_space(); }
  std::string name() const { return envs_.front()->name(); }

  // Resets every copy (seeded at the first call, continuing the streams after); [N, obs_dim] f32.
  Tensor reset();
  // Discrete: actions [N] i64; Box: [N, act_dim] f32. Shape or dtype mismatches raise strata::Error.
  VectorStep step(const Tensor& actions);

 private:
  std::vector<std::unique_ptr<Env>> envs_;
  uint64_t seed_;
  bool seeded_ = false;
  std::vector<double> returns_;
  std::vector<int64_t> lengths_;
};

}  // namespace strata::rl
