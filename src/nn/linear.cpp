#include "strata/nn/linear.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/linalg.h"
#include "strata/ops/view.h"

namespace strata::nn {

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool bias)
    : Module("Linear"), in_features(in_features), out_features(out_features) {
  STRATA_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in={} out={}",
               in_features, out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (bias) this->bias = register_parameter("bias", empty({out_features}));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // PyTorch's default: kaiming_uniform(a = sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)), same bound for
  // bias.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.dim() >= 1 && input.size(-1) == in_features,
               "Linear: expected input with last dim {} (in_features), got shape {}", in_features,
               input.shape().str());
  return ops::linear(input, weight, bias);
}

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_features, out_features, bias.defined());
}

FlattenImpl::FlattenImpl(int64_t start_dim, int64_t end_dim)
    : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}

Tensor FlattenImpl::forward(const Tensor& input) { return ops::flatten(input, start_dim, end_dim); }

std::string FlattenImpl::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim, end_dim);
}

}  // namespace strata::nn
