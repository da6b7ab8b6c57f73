#pragma once
// Box-constrained L-BFGS (projected steps, Armijo backtracking) for the small smooth problems of the tuner:
// GP hyperparameters and local refinement. Internal to src/tune.
#include <functional>
#include <vector>

namespace strata::tune::detail {

// Value of the function at x; writes the gradient into `gradient` (same size as x).
using SmoothFn = std::function<double(const std::vector<double>& x, std::vector<double>& gradient)>;

struct LbfgsResult {
  std::vector<double> x;
  double value = 0.0;
  int iterations = 0;
};

// Minimises f over the box [lower, upper] from x0 (clamped into the box). Non-finite values count as +inf,
// so the line search backs away from them.
LbfgsResult minimize_lbfgs(const SmoothFn& f, std::vector<double> x0, const std::vector<double>& lower,
                           const std::vector<double>& upper, int max_iterations, int memory = 8,
                           double tolerance = 1e-6);

}  // namespace strata::tune::detail
