#pragma once
// Standard test functions for global optimisers, for checking searchers and for examples. Each takes its
// natural domain and knows its global minimum.
#include <vector>

#include "strata/tune/space.h"

namespace strata::tune {

// Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; global minimum 0.397887 at three points, e.g. (pi, 2.275).
double branin(double x1, double x2);
inline constexpr double kBraninMinimum = 0.397887357729738;
// The space {x1: uniform(-5, 10), x2: uniform(0, 15)}.
SearchSpace branin_space();

// Hartmann 6-D on [0, 1]^6; global minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652,
// 0.6573).
double hartmann6(const std::vector<double>& x);
inline constexpr double kHartmann6Minimum = -3.32236801141551;
// The space {x1..x6: uniform(0, 1)}.
SearchSpace hartmann6_space();

// The numbers of an all-numeric assignment, in the space's parameter order.
std::vector<double> as_vector(const SearchSpace& space, const Assignment& assignment);

}  // namespace strata::tune
