#pragma once
// Acquisition functions for Bayesian optimisation, for minimisation: larger values are more promising.
namespace strata::tune {

// Standard normal density and cumulative distribution.
double normal_pdf(double z);
double normal_cdf(double z);

// Expected improvement below `best`: E[max(best - xi - f, 0)] for f ~ N(mean, stddev^2),
// = (best - xi - mean) Phi(z) + stddev phi(z) with z = (best - xi - mean) / stddev; max(best - xi - mean, 0)
// when stddev is 0.
double expected_improvement(double mean, double stddev, double best, double xi = 0.0);

// Lower confidence bound, negated so that larger is better: -(mean - kappa * stddev) (GP-UCB for
// minimisation).
double upper_confidence_bound(double mean, double stddev, double kappa = 2.0);

}  // namespace strata::tune
