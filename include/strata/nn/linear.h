#pragma once
// Linear (fully connected) layer and the shape-only layers that sit beside it.
#include "strata/nn/module.h"

namespace strata::nn {

// y = x W^T + b; weight [out, in] and bias [out] initialised like PyTorch (kaiming_uniform(a=sqrt(5))).
class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  // Re-draws weight and bias with PyTorch's default scheme.
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when disabled
};
STRATA_MODULE_HOLDER(Linear);

class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};
STRATA_MODULE_HOLDER(Identity);

// Flattens dims start_dim..end_dim (by default all but the batch dim).
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};
STRATA_MODULE_HOLDER(Flatten);

}  // namespace strata::nn
