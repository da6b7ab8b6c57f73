// Spaces, the environment registry and the checks every environment shares.
#include "strata/rl/env.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <functional>
#include <map>

#include "rl/env_check.h"
#include "strata/core/error.h"
#include "strata/rl/acrobot.h"
#include "strata/rl/cartpole.h"
#include "strata/rl/episode_clock.h"
#include "strata/rl/grid_world.h"
#include "strata/rl/mountain_car.h"
#include "strata/rl/pendulum.h"

namespace strata::rl {

Space Space::discrete(int64_t n) {
  STRATA_CHECK(n >= 1, "Space::discrete: n must be at least 1, got {}", n);
  Space s;
  s.kind = Kind::Discrete;
  s.n = n;
  return s;
}

Space Space::box(std::vector<float> low, std::vector<float> high) {
  STRATA_CHECK(!low.empty() && low.size() == high.size(),
               "Space::box: low and high must have the same, non-zero size, got {} and {}", low.size(),
               high.size());
  for (size_t i = 0; i < low.size(); ++i)
    STRATA_CHECK(low[i] <= high[i], "Space::box: low[{}] = {} is above high[{}] = {}", i, low[i], i, high[i]);
  Space s;
  s.kind = Kind::Box;
  s.low = std::move(low);
  s.high = std::move(high);
  return s;
}

std::string Space::str() const {
  if (is_discrete()) return fmt::format("Discrete({})", n);
  return fmt::format("Box(low=[{}], high=[{}])", fmt::join(low, ", "), fmt::join(high, ", "));
}

Step Env::step(int64_t action) {
  STRATA_FAIL("{}: step({}) takes a discrete action, but the action space is {}; pass a span of {} floats",
              name(), action, action_space().str(), action_space().dim());
}

Step Env::step(std::span<const float> action) {
  STRATA_FAIL(
      "{}: step(span of {} floats) takes a continuous action, but the action space is {}; pass an "
      "int64_t",
      name(), action.size(), action_space().str());
}

namespace {

const std::map<std::string, std::function<std::unique_ptr<Env>()>>& registry() {
  static const std::map<std::string, std::function<std::unique_ptr<Env>()>> makers = {
      {"CartPole-v1", [] { return std::make_unique<CartPole>(); }},
      {"MountainCar-v0", [] { return std::make_unique<MountainCar>(); }},
      {"Acrobot-v1", [] { return std::make_unique<Acrobot>(); }},
      {"Pendulum-v1", [] { return std::make_unique<Pendulum>(); }},
      {"GridWorld-v0", [] { return std::make_unique<GridWorld>(); }},
  };
  return makers;
}

}  // namespace

std::unique_ptr<Env> make_env(const std::string& id) {
  const auto& makers = registry();
  auto it = makers.find(id);
  STRATA_CHECK(it != makers.end(), "make_env: unknown environment id '{}'; known ids: {}", id,
               fmt::join(env_ids(), ", "));
  return it->second();
}

std::vector<std::string> env_ids() {
  std::vector<std::string> ids;
  for (const auto& [id, make] : registry()) ids.push_back(id);
  return ids;
}

void EpisodeClock::check_running(const Env& env) const {
  STRATA_CHECK(running_,
               "{}: step() needs a running episode; call reset() first (after construction, and after an "
               "episode terminated or was truncated)",
               env.name());
}

namespace detail {

void check_discrete_action(const Env& env, int64_t action) {
  const int64_t n = env.action_space().n;
  STRATA_CHECK(action >= 0 && action < n, "{}: action {} is out of range for the action space {} (0 to {})",
               env.name(), action, env.action_space().str(), n - 1);
}

void check_box_action(const Env& env, std::span<const float> action) {
  const Space& space = env.action_space();
  STRATA_CHECK(static_cast<int64_t>(action.size()) == space.dim(),
               "{}: the action has {} values, but the action space {} has {}", env.name(), action.size(),
               space.str(), space.dim());
  for (size_t i = 0; i < action.size(); ++i)
    STRATA_CHECK(!std::isnan(action[i]), "{}: action[{}] is NaN", env.name(), i);
}

double uniform(Generator& generator, double low, double high) {
  const double u = static_cast<double>(generator.engine()() >> 11) * 0x1.0p-53;
  return low + (high - low) * u;
}

}  // namespace detail
}  // namespace strata::rl
