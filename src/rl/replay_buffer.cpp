#include "strata/rl/replay_buffer.h"

#include <algorithm>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"

namespace strata::rl {
namespace {

// Checks that `t` is [n] or (matrix) [n, dim] as the buffer stores it; `what` names the argument.
void check_rows(const Tensor& t, const char* what, int64_t n, int64_t dim, bool matrix) {
  STRATA_CHECK(t.defined(), "ReplayBuffer.add: {} is undefined", what);
  const bool ok =
      matrix ? (t.dim() == 2 && t.size(0) == n && t.size(1) == dim) : (t.dim() == 1 && t.size(0) == n);
  STRATA_CHECK(ok, "ReplayBuffer.add: {} must have shape [{}{}], got {}", what, n,
               matrix ? fmt::format(", {}", dim) : std::string(), t.shape().str());
}

}  // namespace

ReplayBuffer::ReplayBuffer(int64_t buffer_size, const Space& observation_space, const Space& action_space)
    : buffer_size_(buffer_size) {
  STRATA_CHECK(buffer_size > 0, "ReplayBuffer: buffer_size must be positive, got {}", buffer_size);
  STRATA_CHECK(!observation_space.is_discrete(), "ReplayBuffer: observation space must be a Box, got {}",
               observation_space.str());
  obs_dim_ = observation_space.dim();
  discrete_ = action_space.is_discrete();
  act_dim_ = action_space.dim();
  observations_ = zeros({buffer_size, obs_dim_});
  next_observations_ = zeros({buffer_size, obs_dim_});
  actions_ = discrete_ ? zeros({buffer_size}, {.dtype = kInt64}) : zeros({buffer_size, act_dim_});
  rewards_ = zeros({buffer_size});
  terminated_ = zeros({buffer_size});
}

void ReplayBuffer::add(const Tensor& observations, const Tensor& actions, const VectorStep& step) {
  add(observations, actions, step.reward, step.final_observation, step.terminated);
}

void ReplayBuffer::add(const Tensor& observations, const Tensor& actions, const Tensor& rewards,
                       const Tensor& next_observations, const Tensor& terminated) {
  STRATA_CHECK(observations.defined() && observations.dim() == 2,
               "ReplayBuffer.add: observations must be [N, {}], got {}", obs_dim_,
               observations.defined() ? observations.shape().str() : "undefined");
  const int64_t n = observations.size(0);
  check_rows(observations, "observations", n, obs_dim_, true);
  check_rows(next_observations, "next_observations", n, obs_dim_, true);
  check_rows(actions, "actions", n, act_dim_, !discrete_);
  check_rows(rewards, "rewards", n, 1, false);
  check_rows(terminated, "terminated", n, 1, false);
  STRATA_CHECK(!discrete_ || actions.dtype() == kInt64,
               "ReplayBuffer.add: discrete actions must be i64, got {}", dtype_name(actions.dtype()));
  autograd::NoGradGuard no_grad;
  const Tensor obs = observations.to(kFloat32);
  const Tensor next = next_observations.to(kFloat32);
  const Tensor act = actions.to(actions_.dtype());
  const Tensor rew = rewards.to(kFloat32);
  const Tensor term = ops::ne(terminated, 0.0).to(kFloat32);
  // Copy in at most two runs: up to the end of the storage, then from its start.
  for (int64_t done = 0; done < n;) {
    const int64_t len = std::min(n - done, buffer_size_ - pos_);
    const int64_t from = done;  // more than buffer_size rows at once: the last ones overwrite the first
    observations_.narrow(0, pos_, len).copy_(obs.narrow(0, from, len));
    next_observations_.narrow(0, pos_, len).copy_(next.narrow(0, from, len));
    actions_.narrow(0, pos_, len).copy_(act.narrow(0, from, len));
    rewards_.narrow(0, pos_, len).copy_(rew.narrow(0, from, len));
    terminated_.narrow(0, pos_, len).copy_(term.narrow(0, from, len));
    done += len;
    pos_ += len;
    if (pos_ == buffer_size_) {
      pos_ = 0;
      full_ = true;
    }
  }
}

ReplayBufferSamples ReplayBuffer::sample(int64_t batch_size, Generator& generator) const {
  STRATA_CHECK(batch_size > 0, "ReplayBuffer.sample: batch_size must be positive, got {}", batch_size);
  STRATA_CHECK(size() > 0, "ReplayBuffer.sample: the buffer is empty");
  return get(randint(0, size(), {batch_size}, {.dtype = kInt64}, &generator));
}

ReplayBufferSamples ReplayBuffer::get(const Tensor& indices) const {
  STRATA_CHECK(indices.defined() && indices.dim() == 1 && indices.dtype() == kInt64,
               "ReplayBuffer.get: indices must be a 1-D i64 tensor, got {}",
               indices.defined() ? fmt::format("{} {}", indices.shape().str(), dtype_name(indices.dtype()))
                                 : std::string("undefined"));
  if (indices.numel() > 0) {
    const int64_t lo = ops::min(indices).item<int64_t>(), hi = ops::max(indices).item<int64_t>();
    STRATA_CHECK(lo >= 0 && hi < size(), "ReplayBuffer.get: indices must lie in [0, {}), got {}..{}", size(),
                 lo, hi);
  }
  return {.observations = ops::index_select(observations_, 0, indices),
          .actions = ops::index_select(actions_, 0, indices),
          .next_observations = ops::index_select(next_observations_, 0, indices),
          .rewards = ops::index_select(rewards_, 0, indices),
          .terminated = ops::index_select(terminated_, 0, indices)};
}

}  // namespace strata::rl
