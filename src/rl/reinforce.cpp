#include "strata/rl/reinforce.h"

#include "strata/optim/adam.h"

namespace strata::rl {

Reinforce::Reinforce(const AgentContext& context, const ReinforceOptions& options)
    : OnPolicyAgent(context, options) {
  options_.gae_lambda = 1.0;
  optimizer_ =
      std::make_shared<optim::Adam>(policy_->parameters(), optim::AdamOptions{.lr = options.learning_rate});
}

std::map<std::string, double> Reinforce::train(double) {
  auto losses = policy_gradient_step();
  losses["learning_rate"] = optimizer_->lr();
  return losses;
}

AlgorithmType reinforce_algorithm() {
  const ReinforceOptions d;
  return {.name = "reinforce",
          .description = "REINFORCE with a learned baseline (Monte-Carlo returns)",
          .options = on_policy_specs(d, false),
          .create = [](const AgentContext& context, const nn::LayerArgs& a) -> std::unique_ptr<Agent> {
            ReinforceOptions o;
            read_on_policy_options(a, o, false);
            return std::make_unique<Reinforce>(context, o);
          }};
}

}  // namespace strata::rl
