#pragma once
// Rényi differential privacy accounting for DP-SGD: the RDP of the sampled Gaussian mechanism (Mironov,
// Talwar and Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"; integer orders by
// the binomial expansion, fractional orders by the two-sided series of their section 3.3), composed over
// steps by addition, and converted to (epsilon, delta) with the conversion of Balle et al. 2020 (Theorem 21),
// as Opacus and TensorFlow Privacy do.
#include <cstdint>
#include <vector>

namespace strata::fed {

// The orders Opacus evaluates: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63.
std::vector<double> default_rdp_orders();

// The RDP at order `alpha` (> 1) of one step of the Gaussian mechanism with noise multiplier `sigma`
// (noise std / sensitivity) on a Poisson sample of rate `q` in [0, 1]: log(A_alpha) / (alpha - 1).
double rdp_sampled_gaussian(double q, double sigma, double alpha);

// The smallest epsilon over `orders` for total RDP `rdp` (one value per order) at `delta`; `best_order`
// receives the order that gives it.
double rdp_to_epsilon(const std::vector<double>& orders, const std::vector<double>& rdp, double delta,
                      double* best_order = nullptr);

// Accumulates RDP over DP-SGD steps (which may differ in q and sigma) and reports epsilon for a delta.
class RdpAccountant {
 public:
  explicit RdpAccountant(std::vector<double> orders = default_rdp_orders());
  // Records `steps` steps with sampling rate q and noise multiplier sigma.
  void step(double q, double sigma, int64_t steps = 1);
  // The epsilon of everything recorded so far at `delta` (0 before any step).
  double epsilon(double delta, double* best_order = nullptr) const;
  const std::vector<double>& orders() const { return orders_; }
  // The total RDP per order.
  const std::vector<double>& rdp() const { return rdp_; }
  int64_t steps() const { return steps_; }

 private:
  std::vector<double> orders_, rdp_;
  int64_t steps_ = 0;
};

}  // namespace strata::fed
