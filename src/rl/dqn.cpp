#include "strata/rl/dqn.h"

#include <algorithm>
#include <cmath>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/optim/clip.h"
#include "strata/rl/mlp.h"

namespace strata::rl {
namespace {

// The number of actions of a Discrete action space; throws for any other.
int64_t discrete_actions(const Space& action_space) {
  STRATA_CHECK(action_space.is_discrete() && action_space.n > 0,
               "DQN: the action space must be Discrete, got {}", action_space.str());
  return action_space.n;
}

// obs_dim -> net_arch... -> num_actions with the activation between (rl::make_mlp), initialised as PyTorch's
// Linear is by default (what CleanRL's and SB3's Q-networks use) but from `generator`, so the network
// depends on the seed alone.
nn::Sequential make_q_network(int64_t obs_dim, const DQNOptions& options, int64_t num_actions,
                              Generator& generator) {
  nn::Sequential net = make_mlp(obs_dim, options.net_arch, num_actions, options.activation, 1.0, generator);
  autograd::NoGradGuard no_grad;
  for (const auto& child : net->children()) {
    auto* linear = dynamic_cast<nn::LinearImpl*>(child.get());
    if (linear == nullptr) continue;
    nn::init::kaiming_uniform_(linear->weight, std::sqrt(5.0), nn::init::FanMode::FanIn,
                               nn::init::Nonlinearity::LeakyRelu, &generator);
    const double bound = 1.0 / std::sqrt(static_cast<double>(linear->in_features));
    nn::init::uniform_(linear->bias, -bound, bound, &generator);
  }
  return net;
}

}  // namespace

void validate(const DQNOptions& o) {
  for (int64_t width : o.net_arch)
    STRATA_CHECK(width > 0, "DQN: net_arch sizes must be positive, got {}", width);
  STRATA_CHECK(o.activation == "relu" || o.activation == "tanh",
               "DQN: activation must be \"relu\" or \"tanh\", got \"{}\"", o.activation);
  STRATA_CHECK(o.learning_rate > 0, "DQN: learning_rate must be positive, got {}", o.learning_rate);
  STRATA_CHECK(o.buffer_size > 0, "DQN: buffer_size must be positive, got {}", o.buffer_size);
  STRATA_CHECK(o.gamma >= 0 && o.gamma <= 1, "DQN: gamma must lie in [0, 1], got {}", o.gamma);
  STRATA_CHECK(o.tau > 0 && o.tau <= 1, "DQN: tau must lie in (0, 1], got {}", o.tau);
  STRATA_CHECK(o.target_network_frequency > 0, "DQN: target_network_frequency must be positive, got {}",
               o.target_network_frequency);
  STRATA_CHECK(o.batch_size > 0, "DQN: batch_size must be positive, got {}", o.batch_size);
  STRATA_CHECK(o.start_e >= 0 && o.start_e <= 1, "DQN: start_e must lie in [0, 1], got {}", o.start_e);
  STRATA_CHECK(o.end_e >= 0 && o.end_e <= 1, "DQN: end_e must lie in [0, 1], got {}", o.end_e);
  STRATA_CHECK(o.exploration_fraction >= 0 && o.exploration_fraction <= 1,
               "DQN: exploration_fraction must lie in [0, 1], got {}", o.exploration_fraction);
  STRATA_CHECK(o.learning_starts >= 0, "DQN: learning_starts must be non-negative, got {}",
               o.learning_starts);
  STRATA_CHECK(o.train_frequency > 0, "DQN: train_frequency must be positive, got {}", o.train_frequency);
  STRATA_CHECK(o.gradient_steps > 0, "DQN: gradient_steps must be positive, got {}", o.gradient_steps);
  STRATA_CHECK(o.loss == "mse" || o.loss == "smooth_l1",
               "DQN: loss must be \"mse\" or \"smooth_l1\", got \"{}\"", o.loss);
  STRATA_CHECK(o.max_grad_norm >= 0, "DQN: max_grad_norm must be non-negative (0 disables), got {}",
               o.max_grad_norm);
}

Tensor td_target(const Tensor& rewards, const Tensor& terminated, const Tensor& next_q_target,
                 const Tensor& next_q_online, double gamma) {
  STRATA_CHECK(next_q_target.defined() && next_q_target.dim() == 2,
               "td_target: next_q_target must be [B, num_actions], got {}",
               next_q_target.defined() ? next_q_target.shape().str() : "undefined");
  const int64_t b = next_q_target.size(0);
  STRATA_CHECK(rewards.defined() && rewards.shape() == Shape{b}, "td_target: rewards must be [{}], got {}", b,
               rewards.defined() ? rewards.shape().str() : "undefined");
  STRATA_CHECK(terminated.defined() && terminated.shape() == Shape{b},
               "td_target: terminated must be [{}], got {}", b,
               terminated.defined() ? terminated.shape().str() : "undefined");
  Tensor next_q;
  if (next_q_online.defined()) {
    STRATA_CHECK(next_q_online.shape() == next_q_target.shape(),
                 "td_target: next_q_online {} and next_q_target {} must have the same shape",
                 next_q_online.shape().str(), next_q_target.shape().str());
    const Tensor best = ops::argmax(next_q_online, 1, /*keepdim=*/true);
    next_q = ops::gather(next_q_target, 1, best).squeeze(1);
  } else {
    next_q = ops::max(next_q_target, 1).values;
  }
  const Tensor not_done = ops::rsub(terminated.to(next_q.dtype()), 1.0);
  return rewards.to(next_q.dtype()) + ops::mul(next_q, not_done) * gamma;
}

double linear_schedule(double start_e, double end_e, double duration, double step) {
  if (duration <= 0) return end_e;
  const double slope = (end_e - start_e) / duration;
  return std::max(slope * step + start_e, end_e);
}

DQN::DQN(const Space& observation_space, const Space& action_space, DQNOptions options)
    : options_((validate(options), std::move(options))),
      num_actions_(discrete_actions(action_space)),
      generator_(options_.seed),
      q_network_(make_q_network(observation_space.dim(), options_, num_actions_, generator_)),
      target_network_(make_q_network(observation_space.dim(), options_, num_actions_, generator_)),
      buffer_(options_.buffer_size, observation_space, action_space),
      epsilon_(options_.start_e) {
  {
    autograd::NoGradGuard no_grad;
    target_network_->load_state_dict(q_network_->state_dict());
  }
  for (Tensor& p : target_network_->parameters()) p.requires_grad_(false);
  optimizer_ = std::make_unique<optim::Adam>(q_network_->parameters(),
                                             optim::AdamOptions{.lr = options_.learning_rate});
}

Tensor DQN::q_values(const Tensor& observations) {
  STRATA_CHECK(observations.defined() && observations.dim() == 2,
               "DQN: observations must be [N, obs_dim], got {}",
               observations.defined() ? observations.shape().str() : "undefined");
  return q_network_(observations.to(kFloat32));
}

Tensor DQN::target_q_values(const Tensor& observations) {
  autograd::NoGradGuard no_grad;
  return target_network_(observations.to(kFloat32));
}

Tensor DQN::td_target(const ReplayBufferSamples& batch) {
  autograd::NoGradGuard no_grad;
  const Tensor next_target = target_q_values(batch.next_observations);
  const Tensor next_online = options_.double_q ? q_values(batch.next_observations) : Tensor();
  return rl::td_target(batch.rewards, batch.terminated, next_target, next_online, options_.gamma);
}

double DQN::train_step(const ReplayBufferSamples& batch) {
  const Tensor target = td_target(batch);
  const Tensor q = ops::gather(q_values(batch.observations), 1, batch.actions.unsqueeze(1)).squeeze(1);
  const Tensor loss = options_.loss == "mse" ? ops::mse_loss(q, target) : ops::smooth_l1_loss(q, target);
  optimizer_->zero_grad();
  loss.backward();
  if (options_.max_grad_norm > 0) optim::clip_grad_norm_(q_network_->parameters(), options_.max_grad_norm);
  optimizer_->step();
  ++num_updates_;
  return loss.item();
}

void DQN::update_target() {
  autograd::NoGradGuard no_grad;
  const auto online = q_network_->parameters();
  auto target = target_network_->parameters();
  for (size_t i = 0; i < online.size(); ++i) {
    if (options_.tau >= 1.0) {
      target[i].copy_(online[i]);
    } else {
      target[i].mul_(1.0 - options_.tau).add_(online[i], options_.tau);
    }
  }
}

Tensor DQN::act(const Tensor& observations, bool deterministic) {
  auto greedy = [&] {
    autograd::NoGradGuard no_grad;
    return ops::argmax(q_values(observations), 1);
  };
  if (deterministic || epsilon_ <= 0) return greedy();
  STRATA_CHECK(observations.defined() && observations.dim() == 2,
               "DQN: observations must be [N, obs_dim], got {}",
               observations.defined() ? observations.shape().str() : "undefined");
  const int64_t n = observations.size(0);
  const Tensor explore = ops::lt(rand({n}, {.dtype = kFloat64}, &generator_), epsilon_).to(kUInt8);
  const Tensor random = randint(0, num_actions_, {n}, {.dtype = kInt64}, &generator_);
  // Early on (epsilon near 1) every copy usually explores: the Q-network need not run.
  const auto* mask = explore.data_ptr<uint8_t>();
  if (std::all_of(mask, mask + n, [](uint8_t m) { return m != 0; })) return random;
  return ops::where(explore, random, greedy());
}

void DQN::learn(VectorEnv& env, int64_t total_steps, const LearnCallback& on_progress) {
  STRATA_CHECK(env.action_space().is_discrete() && env.action_space().n == num_actions_,
               "DQN.learn: the environment's action space {} differs from the agent's Discrete({})",
               env.action_space().str(), num_actions_);
  STRATA_CHECK(env.observation_space().dim() == q_network_->parameters().front().size(1),
               "DQN.learn: the environment's observations have {} values, the agent's Q-network takes {}",
               env.observation_space().dim(), q_network_->parameters().front().size(1));
  STRATA_CHECK(total_steps >= 0, "DQN.learn: total_steps must be non-negative, got {}", total_steps);
  const int64_t n = env.num_envs();
  if (!last_observation_.defined() || last_observation_.size(0) != n) last_observation_ = env.reset();
  // Intervals in environment steps become intervals in vector steps (SB3's convention for several copies).
  const int64_t train_every = std::max<int64_t>(1, options_.train_frequency / n);
  const int64_t target_every = std::max<int64_t>(1, options_.target_network_frequency / n);
  const double duration = options_.exploration_fraction * static_cast<double>(total_steps);

  LearnProgress progress;
  double loss_sum = 0;
  int64_t loss_count = 0;
  auto report = [&] {
    progress.steps = num_timesteps_;
    progress.updates = num_updates_;
    progress.losses["epsilon"] = epsilon_;
    // Every report names the same quantities (a CSV's columns); NaN until the first gradient step.
    progress.losses["q_loss"] = loss_count > 0 ? loss_sum / static_cast<double>(loss_count) : std::nan("");
    if (on_progress) on_progress(progress);
    progress = LearnProgress{};
    loss_sum = 0;
    loss_count = 0;
  };

  while (num_timesteps_ < total_steps) {
    epsilon_ =
        linear_schedule(options_.start_e, options_.end_e, duration, static_cast<double>(num_timesteps_));
    const Tensor actions = act(last_observation_, /*deterministic=*/false);
    VectorStep step = env.step(actions);
    buffer_.add(last_observation_, actions, step);
    last_observation_ = step.observation;
    num_timesteps_ += n;
    ++num_vector_steps_;
    progress.episode_returns.insert(progress.episode_returns.end(), step.episode_returns.begin(),
                                    step.episode_returns.end());
    progress.episode_lengths.insert(progress.episode_lengths.end(), step.episode_lengths.begin(),
                                    step.episode_lengths.end());
    bool trained = false;
    if (num_timesteps_ > options_.learning_starts) {
      if (num_vector_steps_ % train_every == 0) {
        for (int64_t g = 0; g < options_.gradient_steps; ++g) {
          const ReplayBufferSamples batch = buffer_.sample(options_.batch_size, generator_);
          loss_sum += train_step(batch);
          ++loss_count;
        }
        trained = true;
      }
      if (num_vector_steps_ % target_every == 0) update_target();
    }
    if (trained || (!step.episode_returns.empty() && num_timesteps_ <= options_.learning_starts)) report();
  }
  if (!progress.episode_returns.empty() || loss_count > 0) report();
}

AlgorithmType dqn_algorithm() {
  using nn::ArgKind;
  const DQNOptions d;
  auto number = [](const char* name, double value) {
    return nn::ArgSpec{.name = name, .kind = ArgKind::Float, .fallback = nn::ArgValue(value)};
  };
  auto integer = [](const char* name, int64_t value) {
    return nn::ArgSpec{.name = name, .kind = ArgKind::Int, .fallback = nn::ArgValue(value)};
  };
  std::vector<nn::ArgSpec> specs = {
      number("learning_rate", d.learning_rate),
      integer("buffer_size", d.buffer_size),
      number("gamma", d.gamma),
      number("tau", d.tau),
      integer("target_network_frequency", d.target_network_frequency),
      integer("batch_size", d.batch_size),
      number("start_e", d.start_e),
      number("end_e", d.end_e),
      number("exploration_fraction", d.exploration_fraction),
      integer("learning_starts", d.learning_starts),
      integer("train_frequency", d.train_frequency),
      integer("gradient_steps", d.gradient_steps),
      {.name = "double_q", .kind = ArgKind::Bool, .fallback = nn::ArgValue(d.double_q)},
      {.name = "loss",
       .kind = ArgKind::String,
       .fallback = nn::ArgValue(d.loss),
       .choices = {"mse", "smooth_l1"}},
      number("max_grad_norm", d.max_grad_norm),
  };
  return {
      .name = "dqn",
      .description = "Deep Q-Network (replay buffer, target network, double DQN, epsilon-greedy schedule)",
      .options = std::move(specs),
      .box = false,
      .create = [](const AgentContext& context, const nn::LayerArgs& a) -> std::unique_ptr<Agent> {
        DQNOptions o{.net_arch = context.policy.hidden,
                     .activation = context.policy.activation,
                     .learning_rate = a.number("learning_rate"),
                     .buffer_size = a.integer("buffer_size"),
                     .gamma = a.number("gamma"),
                     .tau = a.number("tau"),
                     .target_network_frequency = a.integer("target_network_frequency"),
                     .batch_size = a.integer("batch_size"),
                     .start_e = a.number("start_e"),
                     .end_e = a.number("end_e"),
                     .exploration_fraction = a.number("exploration_fraction"),
                     .learning_starts = a.integer("learning_starts"),
                     .train_frequency = a.integer("train_frequency"),
                     .gradient_steps = a.integer("gradient_steps"),
                     .double_q = a.boolean("double_q"),
                     .loss = a.text("loss"),
                     .max_grad_norm = a.number("max_grad_norm"),
                     .seed = context.seed};
        return std::make_unique<DQN>(context.observation_space, context.action_space, o);
      }};
}

nn::StateDict DQN::state_dict() const {
  nn::StateDict state;
  for (const auto& [name, t] : q_network_->state_dict()) state["q_network." + name] = t;
  for (const auto& [name, t] : target_network_->state_dict()) state["target_network." + name] = t;
  return state;
}

void DQN::load_state_dict(const nn::StateDict& state) {
  nn::StateDict online, target;
  for (const auto& [name, t] : state) {
    if (name.starts_with("q_network.")) {
      online[name.substr(10)] = t;
    } else if (name.starts_with("target_network.")) {
      target[name.substr(15)] = t;
    } else {
      STRATA_FAIL("DQN.load_state_dict: unexpected entry \"{}\" (expected q_network.* and target_network.*)",
                  name);
    }
  }
  autograd::NoGradGuard no_grad;
  q_network_->load_state_dict(online);
  target_network_->load_state_dict(target.empty() ? q_network_->state_dict() : target);
}

}  // namespace strata::rl
