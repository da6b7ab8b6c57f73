// Gradient check: the Jacobian from central differences, column by column, against the Jacobian
// from autograd, row by row (one vector-Jacobian product per output element).
#include "strata/autograd/gradcheck.h"

#include <cmath>

#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"

namespace strata::autograd {
namespace {

Shape unravel(int64_t k, const Shape& shape) {
  Shape idx = Shape::filled(shape.size(), 0);
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = k % shape[d];
    k /= shape[d];
  }
  return idx;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          GradcheckOptions options) {
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].defined() && inputs[i].requires_grad()) {
      STRATA_CHECK(inputs[i].dtype() == kFloat64, "gradcheck: input {} must be f64, got {}", i,
                   dtype_name(inputs[i].dtype()));
      STRATA_CHECK(inputs[i].is_leaf(), "gradcheck: input {} must be a leaf", i);
      for (int64_t d = 0; d < inputs[i].dim(); ++d) {
        STRATA_CHECK(
            inputs[i].stride(d) != 0 || inputs[i].size(d) == 1,
            "gradcheck: input {} of shape {} has overlapping memory (stride 0); expand inside fn instead", i,
            inputs[i].shape().str());
      }
      diff.push_back(i);
    }
  }
  STRATA_CHECK(!diff.empty(), "gradcheck: no input requires grad");

  // Numerical Jacobians: numeric[i][k * out_numel + j] = d out_j / d input_i[k].
  int64_t out_numel = 0;
  Shape out_shape;
  std::vector<std::vector<double>> numeric(diff.size());
  {
    // Grad mode stays on: fn may itself call backward (higher-order checks).
    const Tensor out0 = fn(inputs);
    STRATA_CHECK(out0.dtype() == kFloat64, "gradcheck: output must be f64, got {}", dtype_name(out0.dtype()));
    out_numel = out0.numel();
    out_shape = out0.shape();
    for (size_t a = 0; a < diff.size(); ++a) {
      Tensor x = inputs[diff[a]];
      numeric[a].resize(static_cast<size_t>(x.numel() * out_numel));
      for (int64_t k = 0; k < x.numel(); ++k) {
        const Shape idx = unravel(k, x.shape());
        const double orig = x.at(idx);
        x.set_at(idx, orig + options.eps);
        const std::vector<double> plus = fn(inputs).to_vector<double>();
        x.set_at(idx, orig - options.eps);
        const std::vector<double> minus = fn(inputs).to_vector<double>();
        x.set_at(idx, orig);
        for (int64_t j = 0; j < out_numel; ++j) {
          numeric[a][k * out_numel + j] = (plus[j] - minus[j]) / (2 * options.eps);
        }
      }
    }
  }

  // Analytical Jacobians through autograd.
  std::vector<Tensor> diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);
  const Tensor out = fn(inputs);
  GradcheckResult result;
  for (int64_t j = 0; j < out_numel; ++j) {
    Tensor seed = zeros(out_shape, {.dtype = kFloat64});
    seed.set_at(unravel(j, out_shape), 1.0);
    std::vector<Tensor> grads;
    if (out.requires_grad()) {
      grads = grad(out, diff_inputs, seed, /*retain_graph=*/true);
    } else {
      for (const Tensor& t : diff_inputs) grads.push_back(zeros_like(t));
    }
    for (size_t a = 0; a < diff.size(); ++a) {
      const std::vector<double> g = grads[a].to_vector<double>();
      for (int64_t k = 0; k < static_cast<int64_t>(g.size()); ++k) {
        const double n = numeric[a][k * out_numel + j];
        const double err = std::abs(g[k] - n);
        result.max_abs_error = std::max(result.max_abs_error, err);
        if (result.ok && !(err <= options.atol + options.rtol * std::abs(n))) {
          result.ok = false;
          result.message = fmt::format(
              "gradcheck: input {} element {} (output element {}): autograd {} vs finite differences {}",
              diff[a], unravel(k, inputs[diff[a]].shape()).str(), j, g[k], n);
        }
      }
    }
  }
  return result;
}

}  // namespace strata::autograd
