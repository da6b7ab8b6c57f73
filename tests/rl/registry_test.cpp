// The algorithm registry: every algorithm by name, for discrete and Box actions, with declared options.
#include "strata/rl/registry.h"

#include "test_util.h"

namespace strata::rl {
namespace {

TEST(Registry, EveryAlgorithmBuildsForBothActionKinds) {
  std::vector<std::string> names;
  for (const auto& t : algorithm_types()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"reinforce", "a2c", "ppo", "dqn"}));
  const Space obs = Space::box({-1, -1, -1}, {1, 1, 1});
  for (const auto& t : algorithm_types()) {
    const std::string& name = t.name;
    for (const Space& actions : {Space::discrete(3), Space::box({-2}, {2})}) {
      const AgentContext context{.observation_space = obs, .action_space = actions, .num_envs = 2, .seed = 1};
      if (!(actions.is_discrete() ? t.discrete : t.box)) {  // DQN: discrete actions only
        EXPECT_NE(
            testing::error_of([&] { make_agent(name, context); }).find("does not support the action space"),
            std::string::npos)
            << name;
        continue;
      }
      auto agent = make_agent(name, context);
      EXPECT_EQ(agent->name(), name);
      const Tensor a = agent->act(randn({5, 3}), false);
      EXPECT_EQ(a.shape(), (actions.is_discrete() ? Shape{5} : Shape{5, 1})) << name;
    }
  }
  // Each hyperparameter is declared once, with its default.
  for (const auto& t : algorithm_types()) {
    for (const auto& spec : t.options) EXPECT_TRUE(spec.fallback.has_value()) << t.name << "." << spec.name;
  }
  const auto& reinforce = algorithm_type("reinforce");
  EXPECT_TRUE(std::none_of(reinforce.options.begin(), reinforce.options.end(),
                           [](const nn::ArgSpec& s) { return s.name == "gae_lambda"; }));
}

TEST(Registry, UnknownNamesAndBadOptions) {
  const AgentContext context{.observation_space = Space::box({0}, {1}), .action_space = Space::discrete(2)};
  EXPECT_NE(
      testing::error_of([] { algorithm_type("a3c"); }).find("unknown algorithm 'a3c' (did you mean 'a2c'?)"),
      std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("a2c", context, {{"rms_prop_eps", 0.0}});
            }).find("'rms_prop_eps' must be positive"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("reinforce", context, {{"gae_lambda", 0.9}});
            }).find("has no argument 'gae_lambda'"),
            std::string::npos);
  AgentContext none = context;
  none.num_envs = 0;
  EXPECT_NE(testing::error_of([&] { make_agent("ppo", none); }).find("num_envs must be positive"),
            std::string::npos);
}

// A learn() call continues from the steps already taken; the env must match the agent.
TEST(Registry, LearnContinuesAndChecksTheEnv) {
  VectorEnv env("CartPole-v1", 2, 0);
  auto agent = make_agent(
      "a2c",
      {.observation_space = env.observation_space(), .action_space = env.action_space(), .num_envs = 2});
  int64_t last = 0;
  agent->learn(env, 20, [&](const LearnProgress& p) { last = p.steps; });
  EXPECT_EQ(last, 20);
  agent->learn(env, 40, [&](const LearnProgress& p) { last = p.steps; });
  EXPECT_EQ(last, 40);
  VectorEnv three("CartPole-v1", 3, 0);
  EXPECT_NE(testing::error_of([&] { agent->learn(three, 100); }).find("built for 2 environment copies"),
            std::string::npos);
  VectorEnv pendulum("Pendulum-v1", 2, 0);
  EXPECT_NE(testing::error_of([&] { agent->learn(pendulum, 100); }).find("Pendulum-v1"), std::string::npos);
}

}  // namespace
}  // namespace strata::rl
