#include "strata/nn/regularization.h"

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::nn {

Tensor l1_penalty(const std::vector<Tensor>& parameters, double lambda) {
  Tensor total = zeros({});
  for (const Tensor& p : parameters) total = total + ops::sum(ops::abs(p));
  return total * lambda;
}

Tensor l2_penalty(const std::vector<Tensor>& parameters, double lambda) {
  Tensor total = zeros({});
  for (const Tensor& p : parameters) total = total + ops::sum(ops::square(p));
  return total * lambda;
}

}  // namespace strata::nn
