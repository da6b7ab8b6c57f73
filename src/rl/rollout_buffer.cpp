#include "strata/rl/rollout_buffer.h"

#include <algorithm>
#include <cstring>

#include "strata/core/factory.h"

namespace strata::rl {
namespace {

// `t` made contiguous (a no-op for the tensors agents pass), checked to hold `count` values of `dtype`.
Tensor checked(const Tensor& t, int64_t count, const char* what, Dtype dtype) {
  STRATA_CHECK(t.defined() && t.numel() == count && t.dtype() == dtype,
               "RolloutBuffer: {} must hold {} {} values, got {}", what, count, dtype_name(dtype),
               t.defined() ? fmt::format("{} {}", t.shape().str(), dtype_name(t.dtype())) : "undefined");
  return t.contiguous();
}

template <typename T>
Tensor tensor_of(const std::vector<T>& v, const Shape& shape) {
  return from_vector<T>(v, shape);
}

}  // namespace

RolloutBuffer::RolloutBuffer(int64_t n_steps, int64_t num_envs, int64_t observation_dim, int64_t action_dim,
                             bool discrete)
    : n_steps_(n_steps),
      num_envs_(num_envs),
      observation_dim_(observation_dim),
      action_dim_(action_dim),
      discrete_(discrete) {
  STRATA_CHECK(n_steps > 0 && num_envs > 0 && observation_dim > 0 && action_dim > 0,
               "RolloutBuffer: sizes must be positive, got n_steps {} num_envs {} observation_dim {} "
               "action_dim {}",
               n_steps, num_envs, observation_dim, action_dim);
  const size_t tn = static_cast<size_t>(n_steps * num_envs);
  observations_.resize(tn * observation_dim);
  if (discrete) {
    actions_i_.resize(tn);
  } else {
    actions_f_.resize(tn * action_dim);
  }
  rewards_.resize(tn);
  values_.resize(tn);
  log_probs_.resize(tn);
  advantages_.resize(tn);
  returns_.resize(tn);
  dones_.resize(tn);
}

void RolloutBuffer::add(const Tensor& observations, const Tensor& actions, const Tensor& rewards,
                        const Tensor& terminated, const Tensor& truncated, const Tensor& values,
                        const Tensor& log_probs, const Tensor& final_values, double gamma) {
  STRATA_CHECK(pos_ < n_steps_, "RolloutBuffer::add: the buffer is full ({} steps); reset() it first",
               n_steps_);
  const int64_t n = num_envs_;
  const size_t row = static_cast<size_t>(pos_ * n);
  const Tensor obs = checked(observations, n * observation_dim_, "observations", kFloat32);
  std::memcpy(observations_.data() + row * observation_dim_, obs.data_ptr<float>(),
              sizeof(float) * n * observation_dim_);
  if (discrete_) {
    const Tensor a = checked(actions, n, "actions", kInt64);
    std::memcpy(actions_i_.data() + row, a.data_ptr<int64_t>(), sizeof(int64_t) * n);
  } else {
    const Tensor a = checked(actions, n * action_dim_, "actions", kFloat32);
    std::memcpy(actions_f_.data() + row * action_dim_, a.data_ptr<float>(), sizeof(float) * n * action_dim_);
  }
  const Tensor r = checked(rewards, n, "rewards", kFloat32), v = checked(values, n, "values", kFloat32),
               lp = checked(log_probs, n, "log_probs", kFloat32);
  const Tensor term = checked(terminated, n, "terminated", kUInt8),
               trunc = checked(truncated, n, "truncated", kUInt8);
  const uint8_t* te = term.data_ptr<uint8_t>();
  const uint8_t* tr = trunc.data_ptr<uint8_t>();
  bool any_truncated = false;  // a copy that both terminated and hit the time limit does not bootstrap
  for (int64_t i = 0; i < n; ++i) any_truncated = any_truncated || (tr[i] && !te[i]);
  const Tensor fv = any_truncated ? checked(final_values, n, "final_values", kFloat32) : Tensor();
  for (int64_t i = 0; i < n; ++i) {
    double reward = r.data_ptr<float>()[i];
    if (tr[i] && !te[i]) reward += gamma * fv.data_ptr<float>()[i];
    rewards_[row + i] = static_cast<float>(reward);
    dones_[row + i] = (te[i] || tr[i]) ? 1 : 0;
    values_[row + i] = v.data_ptr<float>()[i];
    log_probs_[row + i] = lp.data_ptr<float>()[i];
  }
  ++pos_;
}

void RolloutBuffer::compute_returns_and_advantage(const Tensor& last_values, double gamma,
                                                  double gae_lambda) {
  STRATA_CHECK(full(), "RolloutBuffer::compute_returns_and_advantage: the buffer holds {} of {} steps", pos_,
               n_steps_);
  const Tensor last_t = checked(last_values, num_envs_, "last_values", kFloat32);
  const float* last = last_t.data_ptr<float>();
  const int64_t n = num_envs_;
  for (int64_t i = 0; i < n; ++i) {
    double gae = 0;
    for (int64_t t = n_steps_ - 1; t >= 0; --t) {
      const size_t k = static_cast<size_t>(t * n + i);
      const double next_value = t == n_steps_ - 1 ? last[i] : values_[k + n];
      const double not_done = dones_[k] ? 0.0 : 1.0;
      const double delta = rewards_[k] + gamma * next_value * not_done - values_[k];
      gae = delta + gamma * gae_lambda * not_done * gae;
      advantages_[k] = static_cast<float>(gae);
      returns_[k] = static_cast<float>(gae + values_[k]);
    }
  }
}

Tensor RolloutBuffer::observations() const {
  return tensor_of(observations_, {n_steps_ * num_envs_, observation_dim_});
}
Tensor RolloutBuffer::actions() const {
  if (discrete_) return tensor_of(actions_i_, {n_steps_ * num_envs_});
  return tensor_of(actions_f_, {n_steps_ * num_envs_, action_dim_});
}
Tensor RolloutBuffer::values() const { return tensor_of(values_, {n_steps_ * num_envs_}); }
Tensor RolloutBuffer::log_probs() const { return tensor_of(log_probs_, {n_steps_ * num_envs_}); }
Tensor RolloutBuffer::advantages() const { return tensor_of(advantages_, {n_steps_ * num_envs_}); }
Tensor RolloutBuffer::returns() const { return tensor_of(returns_, {n_steps_ * num_envs_}); }
Tensor RolloutBuffer::rewards() const { return tensor_of(rewards_, {n_steps_ * num_envs_}); }

}  // namespace strata::rl
