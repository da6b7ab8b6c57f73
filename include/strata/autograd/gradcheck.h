#pragma once
// Gradient checking: central finite differences in f64 against autograd's vector-Jacobian products.
#include <functional>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // which input and element disagreed, with both values
  explicit operator bool() const { return ok; }
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d fn(inputs) / d inputs for every f64 input that requires grad. Inputs may be views
// (non-contiguous); they are perturbed in place through the view.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          GradcheckOptions options = {});

}  // namespace strata::autograd
