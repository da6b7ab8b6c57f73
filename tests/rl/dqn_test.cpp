#include "strata/rl/dqn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "test_util.h"

namespace strata::rl {
namespace {

using testing::error_of;

Space obs_space(int64_t dim) {
  return Space::box(std::vector<float>(dim, -10.f), std::vector<float>(dim, 10.f));
}

// A hand-built batch of 4 transitions with 3-dim observations; the third ends its episode.
ReplayBufferSamples hand_batch() {
  return {
      .observations = from_vector<float>({0.1f, -0.2f, 0.3f, 1, 0, -1, 0.5f, 0.5f, 0.5f, -2, 1, 0}, {4, 3}),
      .actions = from_vector<int64_t>({0, 1, 1, 0}),
      .next_observations = from_vector<float>(
          {0.2f, -0.1f, 0.4f, 0.9f, 0.1f, -1.1f, 0.6f, 0.4f, 0.5f, -1.9f, 1.2f, 0.1f}, {4, 3}),
      .rewards = from_vector<float>({1, 0.5f, -1, 2}),
      .terminated = from_vector<float>({0, 0, 1, 0})};
}

// Row i of a [B, A] tensor as doubles.
std::vector<double> row(const Tensor& t, int64_t i) {
  return t.select(0, i).to(kFloat64).to_vector<double>();
}

void expect_near(const Tensor& got, const std::vector<double>& want) {
  const auto g = got.to(kFloat64).to_vector<double>();
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-6) << "element " << i;
}

int64_t argmax_of(const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); }

TEST(DQN, TdTargetMatchesTheFormula) {
  const Tensor rewards = from_vector<float>({1, -0.5f, 2});
  const Tensor terminated = from_vector<float>({0, 0, 1});
  const Tensor next_target = from_vector<float>({0.5f, 2, -1, 3, 0.25f, 1, 4, -4, 0}, {3, 3});
  const Tensor next_online = from_vector<float>({9, 0, 0, 0, 0, 9, 0, 0, 9}, {3, 3});
  const double gamma = 0.9;
  // Vanilla: r + gamma * (1 - d) * max_a Q_target(s', a).
  expect_near(td_target(rewards, terminated, next_target, {}, gamma), {1 + 0.9 * 2, -0.5 + 0.9 * 3, 2});
  // Double: r + gamma * (1 - d) * Q_target(s', argmax_a Q_online(s', a)).
  expect_near(td_target(rewards, terminated, next_target, next_online, gamma),
              {1 + 0.9 * 0.5, -0.5 + 0.9 * 1, 2});
  EXPECT_NE(error_of([&] {
              td_target(rewards, terminated, next_target.narrow(0, 0, 2), {}, gamma);
            }).find("rewards"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              td_target(rewards, terminated, next_target, next_online.narrow(1, 0, 2), gamma);
            }).find("same shape"),
            std::string::npos);
}

// The agent's target on a hand-built batch against the formula evaluated from its two networks' Q-values.
void check_agent_target(bool double_q) {
  DQN agent(obs_space(3), Space::discrete(3),
            {.net_arch = {16}, .gamma = 0.95, .double_q = double_q, .seed = 3});
  // Make the target network differ from the online one, as it does between updates.
  nn::StateDict state = agent.state_dict();
  DQN other(obs_space(3), Space::discrete(3), {.net_arch = {16}, .seed = 4});
  for (const auto& [name, t] : other.state_dict())
    if (name.starts_with("q_network.")) state["target_network." + name.substr(10)] = t;
  agent.load_state_dict(state);

  const ReplayBufferSamples batch = hand_batch();
  const Tensor online = agent.q_values(batch.next_observations).detach();
  const Tensor target = agent.target_q_values(batch.next_observations);
  const auto got = agent.td_target(batch).to_vector<float>();
  int64_t disagreements = 0;
  for (int64_t i = 0; i < 4; ++i) {
    const auto q_on = row(online, i), q_tg = row(target, i);
    const int64_t a = double_q ? argmax_of(q_on) : argmax_of(q_tg);
    disagreements += argmax_of(q_on) != argmax_of(q_tg);
    const double r = batch.rewards.to_vector<float>()[i], d = batch.terminated.to_vector<float>()[i];
    EXPECT_NEAR(got[i], r + 0.95 * (1 - d) * q_tg[a], 1e-6) << "row " << i;
  }
  // The batch must tell the two rules apart for the double-DQN check to mean anything.
  EXPECT_GT(disagreements, 0);
}

TEST(DQN, AgentTdTargetUsesTheTargetNetwork) { check_agent_target(false); }
TEST(DQN, DoubleDqnTakesTheOnlineArgmaxAndTheTargetValue) { check_agent_target(true); }

TEST(DQN, LinearSchedule) {
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.05, 100, 0), 1.0);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.05, 100, 50), 0.525);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.05, 100, 100), 0.05);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.05, 100, 1000), 0.05);
  EXPECT_DOUBLE_EQ(linear_schedule(1.0, 0.05, 0, 0), 0.05);
}

TEST(DQN, TargetUpdateHardAndPolyak) {
  for (double tau : {1.0, 0.25}) {
    DQN agent(obs_space(3), Space::discrete(2), {.net_arch = {8}, .tau = tau, .seed = 5});
    // One gradient step moves the online network away from the target.
    agent.train_step({.observations = hand_batch().observations,
                      .actions = from_vector<int64_t>({0, 1, 1, 0}),
                      .next_observations = hand_batch().next_observations,
                      .rewards = hand_batch().rewards,
                      .terminated = hand_batch().terminated});
    const nn::StateDict before = agent.target_network()->state_dict();
    nn::StateDict old;
    for (const auto& [name, t] : before) old[name] = t.clone();
    agent.update_target();
    const nn::StateDict online = agent.q_network()->state_dict(),
                        after = agent.target_network()->state_dict();
    for (const auto& [name, t] : after) {
      const auto o = online.at(name).to_vector<float>(), p = old.at(name).to_vector<float>(),
                 n = t.to_vector<float>();
      EXPECT_NE(o, p) << name;
      for (size_t i = 0; i < n.size(); ++i)
        EXPECT_NEAR(n[i], tau * o[i] + (1 - tau) * p[i], 1e-6) << name << "[" << i << "] tau " << tau;
    }
  }
}

TEST(DQN, TrainStepFitsAFixedBatch) {
  for (const std::string loss : {"mse", "smooth_l1"}) {
    DQN agent(obs_space(3), Space::discrete(2),
              {.net_arch = {32}, .learning_rate = 1e-2, .loss = loss, .max_grad_norm = 10, .seed = 2});
    const ReplayBufferSamples batch = hand_batch();
    const double first = agent.train_step(batch);
    double last = first;
    for (int i = 0; i < 200; ++i) last = agent.train_step(batch);
    EXPECT_LT(last, first * 0.1) << loss;
    EXPECT_EQ(agent.num_updates(), 201);
  }
}

TEST(DQN, SeededAndBitwiseDeterministic) {
  auto run = [](uint64_t seed) {
    DQN agent(obs_space(3), Space::discrete(2), {.net_arch = {16, 16}, .batch_size = 8, .seed = seed});
    ReplayBuffer buffer(32, obs_space(3), Space::discrete(2));
    Generator data(11);
    buffer.add(randn({32, 3}, {}, &data), randint(0, 2, {32}, {.dtype = kInt64}, &data),
               randn({32}, {}, &data), randn({32, 3}, {}, &data),
               randint(0, 2, {32}, {.dtype = kFloat32}, &data));
    Generator sampler(seed);
    for (int i = 0; i < 20; ++i) agent.train_step(buffer.sample(8, sampler));
    agent.update_target();
    std::vector<float> all;
    for (const auto& [name, t] : agent.state_dict()) {
      const auto v = t.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    const auto acts = agent.act(randn({16, 3}, {}, &data), false).to_vector<int64_t>();
    all.insert(all.end(), acts.begin(), acts.end());
    return all;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(DQN, ActIsGreedyWhenDeterministic) {
  DQN agent(obs_space(3), Space::discrete(4), {.net_arch = {8}, .seed = 9});
  const Tensor obs = hand_batch().observations;
  const Tensor q = agent.q_values(obs).detach();
  const auto acts = agent.act(obs).to_vector<int64_t>();
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(acts[i], argmax_of(row(q, i)));
  // Before learning, epsilon is start_e = 1: every action is uniform over the 4.
  const Tensor same = obs.narrow(0, 0, 1).expand({400, 3}).contiguous();
  std::vector<int64_t> counts(4, 0);
  for (int64_t a : agent.act(same, /*deterministic=*/false).to_vector<int64_t>()) ++counts[a];
  for (int64_t c : counts) EXPECT_NEAR(c, 100, 35);
  // With start_e = 0 exploration never happens.
  DQN greedy(obs_space(3), Space::discrete(4), {.net_arch = {8}, .start_e = 0, .end_e = 0, .seed = 9});
  EXPECT_EQ(greedy.act(obs, false).to_vector<int64_t>(), acts);
}

TEST(DQN, RejectsBadOptions) {
  const Space obs = obs_space(3), act = Space::discrete(2);
  auto message = [&](DQNOptions o) { return error_of([&] { DQN(obs, act, o); }); };
  EXPECT_NE(message({.net_arch = {8, 0}}).find("net_arch"), std::string::npos);
  EXPECT_NE(message({.activation = "gelu"}).find("activation"), std::string::npos);
  EXPECT_NE(message({.learning_rate = 0}).find("learning_rate"), std::string::npos);
  EXPECT_NE(message({.buffer_size = 0}).find("buffer_size"), std::string::npos);
  EXPECT_NE(message({.gamma = 1.5}).find("gamma"), std::string::npos);
  EXPECT_NE(message({.tau = 0}).find("tau"), std::string::npos);
  EXPECT_NE(message({.target_network_frequency = 0}).find("target_network_frequency"), std::string::npos);
  EXPECT_NE(message({.batch_size = -1}).find("batch_size"), std::string::npos);
  EXPECT_NE(message({.start_e = 2}).find("start_e"), std::string::npos);
  EXPECT_NE(message({.end_e = -0.1}).find("end_e"), std::string::npos);
  EXPECT_NE(message({.exploration_fraction = 1.5}).find("exploration_fraction"), std::string::npos);
  EXPECT_NE(message({.learning_starts = -1}).find("learning_starts"), std::string::npos);
  EXPECT_NE(message({.train_frequency = 0}).find("train_frequency"), std::string::npos);
  EXPECT_NE(message({.gradient_steps = 0}).find("gradient_steps"), std::string::npos);
  EXPECT_NE(message({.loss = "l2"}).find("loss"), std::string::npos);
  EXPECT_NE(message({.max_grad_norm = -1}).find("max_grad_norm"), std::string::npos);
  EXPECT_NE(error_of([&] { DQN(obs, Space::box({-1.f}, {1.f})); }).find("Discrete"), std::string::npos);
  DQN agent(obs, act, {.net_arch = {4}});
  EXPECT_NE(error_of([&] { agent.act(zeros({3})); }).find("observations"), std::string::npos);
  EXPECT_NE(error_of([&] {
              agent.load_state_dict({{"policy.0.weight", zeros({4, 3})}});
            }).find("policy.0.weight"),
            std::string::npos);
}

// Everything a learn() run produces: the reported returns and losses, then every network value.
std::vector<double> learn_trace(uint64_t seed) {
  VectorEnv env("GridWorld-v0", 2, 0);
  DQN agent(env.observation_space(), env.action_space(),
            {.net_arch = {16},
             .buffer_size = 500,
             .target_network_frequency = 50,
             .batch_size = 16,
             .learning_starts = 200,
             .train_frequency = 2,
             .seed = seed});
  std::vector<double> trace;
  agent.learn(env, 1500, [&](const LearnProgress& p) {
    trace.insert(trace.end(), p.episode_returns.begin(), p.episode_returns.end());
    for (const auto& [name, value] : p.losses)
      trace.push_back(std::isnan(value) ? -1e30 : value);  // NaN != NaN
  });
  for (const auto& [name, t] : agent.state_dict()) {
    const auto v = t.to(kFloat64).to_vector<double>();
    trace.insert(trace.end(), v.begin(), v.end());
  }
  return trace;
}

TEST(DQN, LearnIsBitwiseReproducibleFromTheSeed) {
  const auto a = learn_trace(1);
  EXPECT_EQ(a, learn_trace(1));
  EXPECT_NE(a, learn_trace(2));
}

TEST(DQN, LearnCountsStepsOverCopiesAndContinues) {
  // 4 copies, train_frequency 8 env steps = every 2nd vector step, once more than learning_starts = 100 env
  // steps have been taken (vector step 26 on): vector steps 26, 28, ..., 100 are 38 rounds of 3 gradient
  // steps.
  VectorEnv env("GridWorld-v0", 4, 0);
  DQN agent(
      env.observation_space(), env.action_space(),
      {.net_arch = {8}, .batch_size = 4, .learning_starts = 100, .train_frequency = 8, .gradient_steps = 3});
  int64_t reports = 0, last_steps = 0;
  agent.learn(env, 200, [&](const LearnProgress& p) {
    ++reports;
    EXPECT_GE(p.steps, last_steps);
    last_steps = p.steps;
  });
  EXPECT_EQ(agent.num_timesteps(), 200);
  EXPECT_EQ(agent.num_updates(), 13 * 3);  // vector steps 26, 28, ..., 50
  agent.learn(env, 400);
  EXPECT_EQ(agent.num_timesteps(), 400);
  EXPECT_EQ(agent.num_updates(), 38 * 3);
  EXPECT_EQ(agent.replay_buffer().size(), 400);
  EXPECT_GT(reports, 0);
  // The epsilon schedule ran over the second call's total: 0.5 * 400 steps, reaching end_e at step 200.
  EXPECT_DOUBLE_EQ(agent.epsilon(), 0.05);
  VectorEnv box("Pendulum-v1", 1, 0);
  EXPECT_NE(error_of([&] { agent.learn(box, 10); }).find("action space"), std::string::npos);
  VectorEnv cartpole("CartPole-v1", 1, 0);
  DQN three(obs_space(3), Space::discrete(2));
  EXPECT_NE(error_of([&] { three.learn(cartpole, 10); }).find("observations have 4 values"),
            std::string::npos);
}

TEST(DQN, RegistryEntry) {
  VectorEnv env("CartPole-v1", 1, 0);
  const AgentContext context{.observation_space = env.observation_space(),
                             .action_space = env.action_space(),
                             .policy = {.hidden = {32, 16}, .activation = "relu"},
                             .seed = 7};
  auto agent = make_agent("dqn", context, {{"double_q", true}, {"tau", 0.5}, {"loss", "smooth_l1"}});
  ASSERT_EQ(agent->name(), "dqn");
  const auto& dqn = dynamic_cast<DQN&>(*agent);
  EXPECT_TRUE(dqn.options().double_q);
  EXPECT_EQ(dqn.options().tau, 0.5);
  EXPECT_EQ(dqn.options().loss, "smooth_l1");
  EXPECT_EQ(dqn.options().net_arch, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(dqn.options().seed, 7u);
  EXPECT_EQ(dqn.options().learning_starts, DQNOptions{}.learning_starts);
  EXPECT_EQ(agent->state_dict().at("q_network.0.weight").shape(), (Shape{32, 4}));
  EXPECT_NE(error_of([&] { make_agent("dqn", context, {{"tau", 0.0}}); }).find("tau"), std::string::npos);
  EXPECT_NE(error_of([&] { make_agent("dqn", context, {{"loss", "l2"}}); }).find("loss"), std::string::npos);
  EXPECT_NE(error_of([&] {
              make_agent("dqn", context, {{"n_steps", 5}});
            }).find("n_steps"),
            std::string::npos);
  VectorEnv box("Pendulum-v1", 1, 0);
  EXPECT_NE(error_of([&] {
              make_agent("dqn",
                         {.observation_space = box.observation_space(), .action_space = box.action_space()});
            }).find("action space"),
            std::string::npos);
}

TEST(DQN, StateDictRoundTrip) {
  DQN a(obs_space(3), Space::discrete(2), {.net_arch = {8}, .seed = 1});
  DQN b(obs_space(3), Space::discrete(2), {.net_arch = {8}, .seed = 2});
  const Tensor obs = hand_batch().observations;
  EXPECT_NE(a.q_values(obs).detach().to_vector<float>(), b.q_values(obs).detach().to_vector<float>());
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(a.q_values(obs).detach().to_vector<float>(), b.q_values(obs).detach().to_vector<float>());
  EXPECT_EQ(a.target_q_values(obs).to_vector<float>(), b.target_q_values(obs).to_vector<float>());
  const auto keys = a.state_dict();
  EXPECT_TRUE(keys.count("q_network.0.weight") && keys.count("target_network.2.bias"));
}

}  // namespace
}  // namespace strata::rl
