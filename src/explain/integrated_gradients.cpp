#include "strata/explain/integrated_gradients.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "strata/core/did_you_mean.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::explain {
namespace {

constexpr const char* kMethod = "integrated_gradients";

// Gauss-Legendre nodes and weights on [-1, 1]: Newton's method on P_n from Chebyshev starting points, P_n
// and its derivative by the three-term recurrence (Numerical Recipes' gauleg). Converges to machine precision
// in a few iterations for any n.
std::pair<std::vector<double>, std::vector<double>> gauss_legendre(int64_t n) {
  std::vector<double> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
  const int64_t half = (n + 1) / 2;
  for (int64_t i = 0; i < half; ++i) {
    double z = std::cos(std::numbers::pi * (static_cast<double>(i) + 0.75) / (static_cast<double>(n) + 0.5));
    double dp = 0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1, p1 = 0;
      for (int64_t j = 1; j <= n; ++j) {
        const double p2 = p1;
        p1 = p0;
        p0 = ((2.0 * static_cast<double>(j) - 1.0) * z * p1 - (static_cast<double>(j) - 1.0) * p2) /
             static_cast<double>(j);
      }
      dp = static_cast<double>(n) * (z * p0 - p1) / (z * z - 1.0);
      const double dz = p0 / dp;
      z -= dz;
      if (std::abs(dz) < 1e-15) break;
    }
    // Recompute the derivative at the converged node for the weight.
    double p0 = 1, p1 = 0;
    for (int64_t j = 1; j <= n; ++j) {
      const double p2 = p1;
      p1 = p0;
      p0 = ((2.0 * static_cast<double>(j) - 1.0) * z * p1 - (static_cast<double>(j) - 1.0) * p2) /
           static_cast<double>(j);
    }
    dp = static_cast<double>(n) * (z * p0 - p1) / (z * z - 1.0);
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2.0 / ((1.0 - z * z) * dp * dp);
  }
  return {x, w};
}

}  // namespace

std::pair<std::vector<double>, std::vector<double>> quadrature_points(Quadrature rule, int64_t steps) {
  STRATA_CHECK(steps >= 1, "{}: steps must be >= 1, got {}", kMethod, steps);
  const auto n = static_cast<double>(steps);
  std::vector<double> a(static_cast<size_t>(steps)), w(static_cast<size_t>(steps), 1.0 / n);
  switch (rule) {
    case Quadrature::RiemannLeft:
      for (int64_t k = 0; k < steps; ++k) a[k] = static_cast<double>(k) / n;
      break;
    case Quadrature::RiemannRight:
      for (int64_t k = 0; k < steps; ++k) a[k] = static_cast<double>(k + 1) / n;
      break;
    case Quadrature::RiemannMiddle:
      for (int64_t k = 0; k < steps; ++k) a[k] = (static_cast<double>(k) + 0.5) / n;
      break;
    case Quadrature::RiemannTrapezoid:
      STRATA_CHECK(steps >= 2, "{}: the trapezoid rule needs steps >= 2, got {}", kMethod, steps);
      for (int64_t k = 0; k < steps; ++k) {
        a[k] = static_cast<double>(k) / (n - 1);
        w[k] = (k == 0 || k == steps - 1 ? 0.5 : 1.0) / (n - 1);
      }
      break;
    case Quadrature::GaussLegendre: {
      auto [x, gw] = gauss_legendre(steps);
      for (int64_t k = 0; k < steps; ++k) {
        a[k] = 0.5 * (x[k] + 1.0);
        w[k] = 0.5 * gw[k];
      }
      break;
    }
  }
  return {a, w};
}

Quadrature quadrature_from_name(const std::string& name) {
  static const std::vector<std::pair<std::string, Quadrature>> kNames = {
      {"riemann_left", Quadrature::RiemannLeft},
      {"riemann_right", Quadrature::RiemannRight},
      {"riemann_middle", Quadrature::RiemannMiddle},
      {"riemann_trapezoid", Quadrature::RiemannTrapezoid},
      {"gausslegendre", Quadrature::GaussLegendre}};
  std::vector<std::string> known;
  for (const auto& [k, v] : kNames) {
    if (k == name) return v;
    known.push_back(k);
  }
  STRATA_FAIL(
      "{}: unknown quadrature '{}'{} (one of riemann_left, riemann_right, riemann_middle, "
      "riemann_trapezoid, gausslegendre)",
      kMethod, name, did_you_mean(name, known));
}

IntegratedGradientsResult integrated_gradients(nn::Module& model, const Tensor& input,
                                               const AttributionOptions& options,
                                               const IntegratedGradientsOptions& ig) {
  STRATA_CHECK(ig.steps >= 1, "{}: steps must be >= 1, got {}", kMethod, ig.steps);
  EvalModeGuard eval(model);
  const std::vector<int64_t> target = resolve_target(model, input, options, kMethod);
  const Tensor x = input.detach().contiguous();
  const int64_t n = x.size(0);
  Shape example_shape = x.shape();
  example_shape[0] = 1;
  Tensor baseline;
  if (!ig.baseline.defined()) {
    baseline = zeros_like(x);
  } else {
    const Tensor b = ig.baseline.detach().to(x.dtype());
    const bool whole = b.shape() == x.shape();
    const bool one = b.dim() == x.dim() && b.shape() == example_shape;
    const bool unbatched = b.dim() == x.dim() - 1 && b.unsqueeze(0).shape() == example_shape;
    STRATA_CHECK(whole || one || unbatched,
                 "{}: the baseline's shape {} fits neither the input {} nor one example {}", kMethod,
                 b.shape().str(), x.shape().str(), example_shape.str());
    baseline = (unbatched ? b.unsqueeze(0) : b).expand(x.shape()).contiguous();
  }
  const auto [alphas, weights] = quadrature_points(ig.method, ig.steps);
  const Tensor diff = ops::sub(x, baseline);

  // Rows are step-major (row r is step r / n of example r % n), as Captum expands its scaled inputs; a chunk
  // of rows is built from per-row alphas, so memory is internal_batch_size rows whatever steps is.
  const int64_t rows = n * ig.steps;
  Tensor integral = zeros_like(x);
  Shape scalar_shape(std::vector<int64_t>(static_cast<size_t>(x.dim()), 1));
  for (int64_t start = 0; start < rows; start += options.internal_batch_size) {
    const int64_t len = std::min(options.internal_batch_size, rows - start);
    std::vector<int64_t> example(static_cast<size_t>(len)), t(static_cast<size_t>(len));
    std::vector<double> a(static_cast<size_t>(len)), w(static_cast<size_t>(len));
    for (int64_t r = 0; r < len; ++r) {
      const int64_t row = start + r;
      example[r] = row % n;
      t[r] = target[example[r]];
      a[r] = alphas[row / n];
      w[r] = weights[row / n];
    }
    Shape per_row = scalar_shape;
    per_row[0] = len;
    const Tensor index = from_vector(example);
    const Tensor alpha = from_vector(a, per_row).to(x.dtype());
    const Tensor weight = from_vector(w, per_row).to(x.dtype());
    const Tensor scaled =
        ops::add(ops::index_select(baseline, 0, index), ops::mul(alpha, ops::index_select(diff, 0, index)));
    const Tensor g = input_gradients(model, scaled, t, len, kMethod);
    integral = ops::index_add(integral, 0, index, ops::mul(g, weight));
  }
  IntegratedGradientsResult result;
  result.attributions = ops::mul(diff, integral);
  const Tensor fx = forward_scores(model, x, target, options.internal_batch_size, kMethod);
  const Tensor fb = forward_scores(model, baseline, target, options.internal_batch_size, kMethod);
  result.delta = ops::sub(ops::sum(result.attributions.reshape({n, -1}), {1}), ops::sub(fx, fb));
  return result;
}

}  // namespace strata::explain
