#pragma once
// Integrated Gradients (Sundararajan et al. 2017, Captum's IntegratedGradients): the path integral of the
// gradient along the straight line from a baseline x' to the input x, times (x - x'):
//   attr_i = (x_i - x'_i) * integral_0^1 d score / d x_i (x' + a (x - x')) da,
// approximated by a quadrature over `steps` points. Attributions satisfy completeness: they sum to
// score(x) - score(x') up to the quadrature error, which `delta` reports.
#include <cstdint>
#include <vector>

#include "strata/explain/attribution.h"

namespace strata::explain {

// The quadrature rule over a in [0, 1] (Captum's method names in comments).
enum class Quadrature {
  RiemannLeft,       // "riemann_left": a = k / n
  RiemannRight,      // "riemann_right": a = (k + 1) / n
  RiemannMiddle,     // "riemann_middle": a = (k + 1/2) / n
  RiemannTrapezoid,  // "riemann_trapezoid": a = k / (n - 1), end points weighted 1/2 (n >= 2)
  GaussLegendre,     // "gausslegendre" (Captum's default): exact for polynomials of degree < 2n
};

// The points a_k in [0, 1] and weights w_k (summing to 1) of `rule` with `steps` points.
std::pair<std::vector<double>, std::vector<double>> quadrature_points(Quadrature rule, int64_t steps);

// The rule named as Captum names it ("riemann_left", ..., "gausslegendre"); errors list the names.
Quadrature quadrature_from_name(const std::string& name);

struct IntegratedGradientsOptions {
  int64_t steps = 50;                             // quadrature points (Captum's n_steps)
  Quadrature method = Quadrature::GaussLegendre;  // the rule
  Tensor baseline = {};  // x': shaped like the input or like one example (broadcast); undefined: zeros
};

// What integrated_gradients returns.
struct IntegratedGradientsResult {
  Tensor attributions;  // shaped like the input
  // Per example [N]: sum(attributions) - (score(x) - score(baseline)), Captum's convergence delta.
  Tensor delta;
};

// Integrated Gradients of the target scores; the N * steps scaled inputs run internal_batch_size at a time.
IntegratedGradientsResult integrated_gradients(nn::Module& model, const Tensor& input,
                                               const AttributionOptions& options = {},
                                               const IntegratedGradientsOptions& ig_options = {});

}  // namespace strata::explain
