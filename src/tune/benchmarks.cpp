#include "strata/tune/benchmarks.h"

#include <cmath>
#include <numbers>

#include "strata/core/error.h"

namespace strata::tune {

double branin(double x1, double x2) {
  constexpr double pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  const double q = x2 - b * x1 * x1 + c * x1 - 6;
  return q * q + 10 * (1 - t) * std::cos(x1) + 10;
}

SearchSpace branin_space() {
  SearchSpace s;
  s.uniform("x1", -5, 10).uniform("x2", 0, 15);
  return s;
}

double hartmann6(const std::vector<double>& x) {
  STRATA_CHECK(x.size() == 6, "hartmann6: expected 6 coordinates, got {}", x.size());
  static constexpr double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                     {0.05, 10, 17, 0.1, 8, 14},
                                     {3, 3.5, 1.7, 10, 17, 8},
                                     {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                     {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                     {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                     {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double e = 0;
    for (int j = 0; j < 6; ++j) e += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-e);
  }
  return -sum;
}

SearchSpace hartmann6_space() {
  SearchSpace s;
  for (int i = 1; i <= 6; ++i) s.uniform("x" + std::to_string(i), 0, 1);
  return s;
}

std::vector<double> as_vector(const SearchSpace& space, const Assignment& assignment) {
  std::vector<double> x;
  for (const Param& p : space.params()) {
    auto it = assignment.find(p.name);
    STRATA_CHECK(it != assignment.end(), "as_vector: parameter '{}' is not set", p.name);
    x.push_back(to_double(it->second));
  }
  return x;
}

}  // namespace strata::tune
