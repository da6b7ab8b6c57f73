#pragma once
#include "strata/nn/module.h"

namespace strata::nn {

// Inverted dropout in training mode, identity in eval mode.
class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double p;
};
STRATA_MODULE_HOLDER(Dropout);

}  // namespace strata::nn
