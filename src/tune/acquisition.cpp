#include "strata/tune/acquisition.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace strata::tune {

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); }

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double expected_improvement(double mean, double stddev, double best, double xi) {
  const double gain = best - xi - mean;
  if (!(stddev > 0)) return std::max(gain, 0.0);
  const double z = gain / stddev;
  return std::max(gain * normal_cdf(z) + stddev * normal_pdf(z), 0.0);
}

double upper_confidence_bound(double mean, double stddev, double kappa) { return -(mean - kappa * stddev); }

}  // namespace strata::tune
