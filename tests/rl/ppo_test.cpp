// PPO's clipped surrogate loss against the formula on hand-picked ratios, its registry options, and
// bitwise-reproducible training from a seed.
#include "strata/rl/ppo.h"

#include "test_util.h"

namespace strata::rl {
namespace {

// loss_i = max(-A_i r_i, -A_i clip(r_i, 0.8, 1.2)), by hand:
//   r 0.5 A  1: max(-0.5, -0.8) = -0.5 (unclipped: d/dr = -1)
//   r 0.9 A -1: max( 0.9,  0.9) =  0.9 (inside the range: d/dr = 1)
//   r 1.0 A  2: -2                     (d/dr = -2)
//   r 1.1 A  1: -1.1                   (d/dr = -1)
//   r 1.5 A -2: max( 3.0,  2.4) =  3.0 (a worse action made likelier is not clipped: d/dr = 2)
//   r 0.7 A -1: max( 0.7,  0.8) =  0.8 (clipped: d/dr = 0)
//   r 1.3 A  1: max(-1.3, -1.2) = -1.2 (clipped: d/dr = 0)
// mean = -0.1 / 7.
TEST(PPO, ClippedSurrogateLossMatchesTheFormula) {
  const Tensor ratio = from_vector<double>({0.5, 0.9, 1.0, 1.1, 1.5, 0.7, 1.3}).requires_grad_();
  const Tensor advantages = from_vector<double>({1, -1, 2, 1, -2, -1, 1});
  const Tensor loss = clipped_surrogate_loss(ratio, advantages, 0.2);
  EXPECT_NEAR(loss.item(), -0.1 / 7, 1e-12);
  loss.backward();
  const std::vector<double> want = {-1, 1, -2, -1, 2, 0, 0};
  const std::vector<double> grad = ratio.grad().to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(grad[i], want[i] / 7, 1e-12) << i;
  EXPECT_NE(testing::error_of([] { clipped_surrogate_loss(zeros({3}), zeros({2}), 0.2); }).find("same shape"),
            std::string::npos);
}

std::unique_ptr<Agent> cartpole_ppo(uint64_t seed, int64_t steps) {
  VectorEnv env("CartPole-v1", 4, seed);
  auto agent = make_agent("ppo",
                          {.observation_space = env.observation_space(),
                           .action_space = env.action_space(),
                           .num_envs = 4,
                           .seed = seed},
                          {{"n_steps", 64},
                           {"batch_size", 64},
                           {"n_epochs", 2},
                           {"target_kl", 0.05},
                           {"clip_range_vf", 0.5},
                           {"ent_coef", 0.01},
                           {"anneal_lr", true},
                           {"norm_obs", true},
                           {"norm_reward", true}});
  agent->learn(env, steps);
  return agent;
}

// Same seed, same threads: the same weights (and normalisation statistics), bit for bit.
TEST(PPO, TrainingIsBitwiseReproducible) {
  const nn::StateDict a = cartpole_ppo(3, 1024)->state_dict(), b = cartpole_ppo(3, 1024)->state_dict(),
                      c = cartpole_ppo(4, 1024)->state_dict();
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(a.count("obs_rms.mean") && a.count("ret_rms.var"));
  bool any_differs = false;
  for (const auto& [name, t] : a) {
    EXPECT_TRUE(equal(t, b.at(name))) << name;
    any_differs = any_differs || !equal(t, c.at(name));
  }
  EXPECT_TRUE(any_differs) << "another seed should give other weights";
}

// Continuous actions: a Gaussian policy on Pendulum, actions clipped to [-2, 2]; its state round-trips.
TEST(PPO, BoxActionsAndStateRoundTrip) {
  VectorEnv env("Pendulum-v1", 2, 0);
  const AgentContext context{.observation_space = env.observation_space(),
                             .action_space = env.action_space(),
                             .num_envs = 2,
                             .seed = 5};
  auto agent = make_agent("ppo", context, {{"n_steps", 32}, {"batch_size", 32}, {"norm_obs", true}});
  std::vector<int64_t> seen;
  agent->learn(env, 128, [&](const LearnProgress& p) { seen.push_back(p.steps); });
  EXPECT_EQ(seen, (std::vector<int64_t>{64, 128}));
  const Tensor obs = randn({5, 3});
  const Tensor sampled = agent->act(obs * 100.0, false);
  EXPECT_EQ(sampled.shape(), (Shape{5, 1}));
  EXPECT_LE(sampled.max().item(), 2.0);
  EXPECT_GE(sampled.min().item(), -2.0);
  auto other = make_agent("ppo",
                          {.observation_space = env.observation_space(),
                           .action_space = env.action_space(),
                           .num_envs = 2,
                           .seed = 9},
                          {{"n_steps", 32}, {"batch_size", 32}, {"norm_obs", true}});
  EXPECT_FALSE(equal(other->act(obs), agent->act(obs)));
  other->load_state_dict(agent->state_dict());
  EXPECT_TRUE(equal(other->act(obs), agent->act(obs)));
  EXPECT_TRUE(agent->state_dict().count("log_std"));
}

TEST(PPO, RegistryRejectsBadOptions) {
  const AgentContext context{.observation_space = Space::box({-1, -1}, {1, 1}),
                             .action_space = Space::discrete(2)};
  EXPECT_NE(testing::error_of([&] {
              make_agent("ppo", context, {{"n_step", 8}});
            }).find("did you mean 'n_steps'"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("ppo", context, {{"clip_range", -0.1}});
            }).find("'clip_range' must be positive"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("ppo", context, {{"gamma", 1.5}});
            }).find("'gamma' must be in [0, 1]"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("ppo", context, {{"n_steps", "many"}});
            }).find("n_steps"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              make_agent("ppp", context);
            }).find("unknown algorithm 'ppp' (did you mean 'ppo'?)"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::rl
