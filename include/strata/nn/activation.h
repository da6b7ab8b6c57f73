#pragma once
// Module forms of the activation functions (strata::ops), PyTorch names and defaults.
#include "strata/nn/module.h"
#include "strata/ops/activation.h"

namespace strata::nn {

#define STRATA_ACTIVATION(Name, call)                         \
  class Name##Impl : public Module {                          \
   public:                                                    \
    Name##Impl() : Module(#Name) {}                           \
    Tensor forward(const Tensor& x) override { return call; } \
  };                                                          \
  STRATA_MODULE_HOLDER(Name)

STRATA_ACTIVATION(ReLU, ops::relu(x));
STRATA_ACTIVATION(SELU, ops::selu(x));
STRATA_ACTIVATION(Sigmoid, ops::sigmoid(x));
STRATA_ACTIVATION(Tanh, ops::tanh(x));
STRATA_ACTIVATION(SiLU, ops::silu(x));
STRATA_ACTIVATION(Hardsigmoid, ops::hardsigmoid(x));
STRATA_ACTIVATION(Hardswish, ops::hardswish(x));
STRATA_ACTIVATION(Mish, ops::mish(x));
STRATA_ACTIVATION(ReLU6, ops::relu6(x));
#undef STRATA_ACTIVATION

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope = 0.01)
      : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override { return ops::leaky_relu(x, negative_slope); }
  std::string extra_repr() const override;
  double negative_slope;
};
STRATA_MODULE_HOLDER(LeakyReLU);

class ELUImpl : public Module {
 public:
  explicit ELUImpl(double alpha = 1.0) : Module("ELU"), alpha(alpha) {}
  Tensor forward(const Tensor& x) override { return ops::elu(x, alpha); }
  std::string extra_repr() const override;
  double alpha;
};
STRATA_MODULE_HOLDER(ELU);

class GELUImpl : public Module {
 public:
  explicit GELUImpl(ops::GeluApproximate approximate = ops::GeluApproximate::None)
      : Module("GELU"), approximate(approximate) {}
  Tensor forward(const Tensor& x) override { return ops::gelu(x, approximate); }
  std::string extra_repr() const override;
  ops::GeluApproximate approximate;
};
STRATA_MODULE_HOLDER(GELU);

class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0)
      : Module("Softplus"), beta(beta), threshold(threshold) {}
  Tensor forward(const Tensor& x) override { return ops::softplus(x, beta, threshold); }
  std::string extra_repr() const override;
  double beta, threshold;
};
STRATA_MODULE_HOLDER(Softplus);

// Learnable negative slope: one shared (num_parameters = 1) or one per input channel (dim 1), each
// starting at `init`; the parameter is `weight` [num_parameters], as in PyTorch.
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(int64_t num_parameters = 1, double init = 0.25);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t num_parameters;
  double init;
  Tensor weight;
};
STRATA_MODULE_HOLDER(PReLU);

class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};
STRATA_MODULE_HOLDER(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};
STRATA_MODULE_HOLDER(LogSoftmax);

// Clamps to [min_val, max_val]; throws at construction when min_val > max_val.
class HardtanhImpl : public Module {
 public:
  explicit HardtanhImpl(double min_val = -1.0, double max_val = 1.0);
  Tensor forward(const Tensor& x) override { return ops::hardtanh(x, min_val, max_val); }
  std::string extra_repr() const override;
  double min_val, max_val;
};
STRATA_MODULE_HOLDER(Hardtanh);

}  // namespace strata::nn
