#include "strata/nn/dropout.h"

#include "strata/ops/dropout.h"

namespace strata::nn {

DropoutImpl::DropoutImpl(double p) : Module("Dropout"), p(p) {
  STRATA_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability must be in [0, 1], got {}", p);
}

Tensor DropoutImpl::forward(const Tensor& input) { return ops::dropout(input, p, is_training()); }

std::string DropoutImpl::extra_repr() const { return fmt::format("p={}", p); }

}  // namespace strata::nn
