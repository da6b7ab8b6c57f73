// The sampled Gaussian mechanism's RDP (Mironov et al. 2019). With mu0 = N(0, sigma^2), mu1 = N(1, sigma^2)
// and mu = (1 - q) mu0 + q mu1, the RDP of order alpha is log(A_alpha) / (alpha - 1) with
// A_alpha = E_{z ~ mu0}[(mu(z) / mu0(z))^alpha].
// - Integer alpha: the binomial expansion A = sum_k C(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / 2
// sigma^2).
// - Fractional alpha: the expansion splits at z0 = sigma^2 log(1/q - 1) + 1/2 into two series with
//   erfc tails (their section 3.3), summed until the terms fall below e^-30 of the total.
// Sums run in log space; the generalised binomial coefficients keep their sign (negative terms subtract).
#include "strata/fed/rdp_accountant.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "strata/core/error.h"

namespace strata::fed {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (lo == -kInf) return hi;
  return std::log1p(std::exp(lo - hi)) + hi;
}

// log(exp(a) - exp(b)) for a >= b.
double log_sub(double a, double b) {
  if (b == -kInf) return a;
  if (a <= b) return -kInf;
  const double d = a - b;
  return d > 700 ? a : std::log(std::expm1(d)) + b;
}

// log(erfc(x)), with the asymptotic series where erfc underflows.
double log_erfc(double x) {
  const double r = std::erfc(x);
  if (r > 0) return std::log(r);
  return -std::log(M_PI) / 2 - std::log(x) - x * x - 0.5 / (x * x) + 0.625 / std::pow(x, 4) -
         37.0 / 24.0 / std::pow(x, 6) + 353.0 / 64.0 / std::pow(x, 8);
}

double log_a_int(double q, double sigma, int64_t alpha) {
  double log_a = -kInf, log_coef = 0;  // log C(alpha, 0)
  for (int64_t k = 0; k <= alpha; ++k) {
    if (k > 0) log_coef += std::log(static_cast<double>(alpha - k + 1)) - std::log(static_cast<double>(k));
    const double s = log_coef + k * std::log(q) + (alpha - k) * std::log1p(-q) +
                     static_cast<double>(k * k - k) / (2 * sigma * sigma);
    log_a = log_add(log_a, s);
  }
  return log_a;
}

double log_a_frac(double q, double sigma, double alpha) {
  double log_a0 = -kInf, log_a1 = -kInf;
  const double z0 = sigma * sigma * std::log(1 / q - 1) + 0.5;
  double log_coef = 0;  // log |C(alpha, i)|
  bool positive = true;
  for (int64_t i = 0;; ++i) {
    if (i > 0) {
      const double factor = (alpha - static_cast<double>(i) + 1) / static_cast<double>(i);
      log_coef += std::log(std::abs(factor));
      if (factor < 0) positive = !positive;
    }
    const double fi = static_cast<double>(i), j = alpha - fi;
    const double log_t0 = log_coef + fi * std::log(q) + j * std::log1p(-q);
    const double log_t1 = log_coef + j * std::log(q) + fi * std::log1p(-q);
    const double log_e0 = std::log(0.5) + log_erfc((fi - z0) / (M_SQRT2 * sigma));
    const double log_e1 = std::log(0.5) + log_erfc((z0 - j) / (M_SQRT2 * sigma));
    const double log_s0 = log_t0 + (fi * fi - fi) / (2 * sigma * sigma) + log_e0;
    const double log_s1 = log_t1 + (j * j - j) / (2 * sigma * sigma) + log_e1;
    if (positive) {
      log_a0 = log_add(log_a0, log_s0);
      log_a1 = log_add(log_a1, log_s1);
    } else {
      log_a0 = log_sub(log_a0, log_s0);
      log_a1 = log_sub(log_a1, log_s1);
    }
    if (std::max(log_s0, log_s1) < -30 || i > 100000) break;
  }
  return log_add(log_a0, log_a1);
}

}  // namespace

std::vector<double> default_rdp_orders() {
  std::vector<double> orders;
  for (int x = 1; x < 100; ++x) orders.push_back(1 + x / 10.0);
  for (int a = 12; a < 64; ++a) orders.push_back(a);
  return orders;
}

double rdp_sampled_gaussian(double q, double sigma, double alpha) {
  STRATA_CHECK(q >= 0 && q <= 1, "rdp_sampled_gaussian: the sampling rate q must be in [0, 1], got {}", q);
  STRATA_CHECK(sigma >= 0, "rdp_sampled_gaussian: the noise multiplier sigma must be >= 0, got {}", sigma);
  STRATA_CHECK(alpha > 1, "rdp_sampled_gaussian: the order alpha must be > 1, got {}", alpha);
  if (q == 0) return 0;
  if (sigma == 0) return kInf;
  if (q == 1) return alpha / (2 * sigma * sigma);
  if (std::isinf(alpha)) return kInf;
  const double log_a = alpha == std::floor(alpha) ? log_a_int(q, sigma, static_cast<int64_t>(alpha))
                                                  : log_a_frac(q, sigma, alpha);
  return log_a / (alpha - 1);
}

double rdp_to_epsilon(const std::vector<double>& orders, const std::vector<double>& rdp, double delta,
                      double* best_order) {
  STRATA_CHECK(orders.size() == rdp.size() && !orders.empty(), "rdp_to_epsilon: {} orders but {} RDP values",
               orders.size(), rdp.size());
  STRATA_CHECK(delta > 0 && delta < 1, "rdp_to_epsilon: delta must be in (0, 1), got {}", delta);
  double best = kInf, order = orders.front();
  for (size_t i = 0; i < orders.size(); ++i) {
    const double a = orders[i];
    const double eps = rdp[i] - (std::log(delta) + std::log(a)) / (a - 1) + std::log((a - 1) / a);
    if (!std::isnan(eps) && eps < best) {
      best = eps;
      order = a;
    }
  }
  if (best_order) *best_order = order;
  return std::max(best, 0.0);
}

RdpAccountant::RdpAccountant(std::vector<double> orders) : orders_(std::move(orders)) {
  STRATA_CHECK(!orders_.empty(), "RdpAccountant: no orders");
  for (double a : orders_) STRATA_CHECK(a > 1, "RdpAccountant: every order must be > 1, got {}", a);
  rdp_.assign(orders_.size(), 0.0);
}

void RdpAccountant::step(double q, double sigma, int64_t steps) {
  STRATA_CHECK(steps >= 0, "RdpAccountant::step: steps must be >= 0, got {}", steps);
  if (steps == 0) return;
  for (size_t i = 0; i < orders_.size(); ++i)
    rdp_[i] += static_cast<double>(steps) * rdp_sampled_gaussian(q, sigma, orders_[i]);
  steps_ += steps;
}

double RdpAccountant::epsilon(double delta, double* best_order) const {
  if (steps_ == 0) {
    if (best_order) *best_order = orders_.front();
    return 0.0;
  }
  return rdp_to_epsilon(orders_, rdp_, delta, best_order);
}

}  // namespace strata::fed
