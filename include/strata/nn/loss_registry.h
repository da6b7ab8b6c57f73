#pragma once
// Losses by name ("cross_entropy", "huber", ...), each option's name, kind and default declared once, for
// configs and programs that pick a loss at run time:
//   auto loss = nn::create_loss("cross_entropy", {{"label_smoothing", 0.1}});
//   Tensor l = loss->forward(logits, target);
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/layer_registry.h"
#include "strata/nn/loss.h"

namespace strata::nn {

struct LossType {
  std::string name;         // as configs write it: "cross_entropy"
  std::string description;  // one line, for docs and help
  std::vector<ArgSpec> options;
  std::function<std::shared_ptr<LossImpl>(const LayerArgs&)> create;
};

// strata's losses, in a stable order.
const std::vector<LossType>& loss_types();
// The loss called `name`; throws naming the known ones (with a "did you mean") for any other name.
const LossType& loss_type(const std::string& name);
// Builds loss `name` with `options` (by option name; the rest take their defaults). Throws naming the loss
// and the option for an unknown option or a value of the wrong kind.
std::shared_ptr<LossImpl> create_loss(const std::string& name, const ArgMap& options = {});

}  // namespace strata::nn
