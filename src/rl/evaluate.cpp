// rl::evaluate: plays whole episodes with an agent on a VectorEnv. Each copy plays a fixed share of the
// episodes (Stable-Baselines3's evaluate_policy), so short episodes are not over-represented because they
// finish first.
#include <algorithm>

#include "strata/rl/agent.h"

namespace strata::rl {

std::vector<double> evaluate(Agent& agent, const std::string& env_id, int64_t episodes, uint64_t seed,
                             bool deterministic) {
  STRATA_CHECK(episodes > 0, "rl::evaluate: episodes must be positive, got {}", episodes);
  const int64_t n = std::min<int64_t>(episodes, 10);
  VectorEnv env(env_id, n, seed);
  std::vector<int64_t> target(n), done(n, 0);
  for (int64_t i = 0; i < n; ++i) target[i] = episodes / n + (i < episodes % n ? 1 : 0);
  std::vector<double> returns;
  std::vector<double> running(n, 0.0);
  Tensor observations = env.reset();
  while (static_cast<int64_t>(returns.size()) < episodes) {
    const VectorStep step = env.step(agent.act(observations, deterministic));
    const Tensor rewards = step.reward.to(kFloat64).contiguous();
    const Tensor terminated = step.terminated.contiguous(), truncated = step.truncated.contiguous();
    for (int64_t i = 0; i < n; ++i) {
      running[i] += rewards.data_ptr<double>()[i];
      if (terminated.data_ptr<uint8_t>()[i] || truncated.data_ptr<uint8_t>()[i]) {
        if (done[i] < target[i]) {
          returns.push_back(running[i]);
          ++done[i];
        }
        running[i] = 0;
      }
    }
    observations = step.observation;
  }
  return returns;
}

}  // namespace strata::rl
