#pragma once
// Spearman's rank correlation, the similarity measure of attribution sanity checks (Adebayo et al. 2018).
#include <vector>

#include "strata/core/tensor.h"

namespace strata::explain {

// Ranks 1..n of `values`, ties sharing their mean rank (scipy.stats.rankdata's "average").
std::vector<double> ranks(const std::vector<double>& values);

// Spearman's rho of two equally long sequences: Pearson's correlation of their ranks; 0 when either is
// constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// Spearman's rho per example of two attribution maps [N, ...] of the same shape: a vector of N values.
std::vector<double> spearman_per_example(const Tensor& a, const Tensor& b);

}  // namespace strata::explain
