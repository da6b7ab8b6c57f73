#include "strata/rl/a2c.h"

#include "strata/optim/adam.h"
#include "strata/optim/rmsprop.h"

namespace strata::rl {

A2C::A2C(const AgentContext& context, const A2COptions& options) : OnPolicyAgent(context, options) {
  if (options.use_rms_prop) {
    optimizer_ = std::make_shared<optim::RMSprop>(
        policy_->parameters(),
        optim::RMSpropOptions{.lr = options.learning_rate, .alpha = 0.99, .eps = options.rms_prop_eps});
  } else {
    optimizer_ = std::make_shared<optim::Adam>(policy_->parameters(),
                                               optim::AdamOptions{.lr = options.learning_rate, .eps = 1e-5});
  }
}

std::map<std::string, double> A2C::train(double) {
  auto losses = policy_gradient_step();
  losses["learning_rate"] = optimizer_->lr();
  return losses;
}

AlgorithmType a2c_algorithm() {
  const A2COptions d;
  std::vector<nn::ArgSpec> specs = on_policy_specs(d);
  specs.push_back(
      {.name = "use_rms_prop", .kind = nn::ArgKind::Bool, .fallback = nn::ArgValue(d.use_rms_prop)});
  specs.push_back(
      {.name = "rms_prop_eps", .kind = nn::ArgKind::Float, .fallback = nn::ArgValue(d.rms_prop_eps)});
  return {.name = "a2c",
          .description = "Advantage Actor-Critic (synchronous, n-step / GAE returns, RMSprop)",
          .options = std::move(specs),
          .create = [](const AgentContext& context, const nn::LayerArgs& a) -> std::unique_ptr<Agent> {
            A2COptions o;
            read_on_policy_options(a, o);
            o.use_rms_prop = a.boolean("use_rms_prop");
            o.rms_prop_eps = a.number("rms_prop_eps");
            if (!(o.rms_prop_eps > 0))
              a.fail(fmt::format("argument 'rms_prop_eps' must be positive, got {}", o.rms_prop_eps));
            return std::make_unique<A2C>(context, o);
          }};
}

}  // namespace strata::rl
