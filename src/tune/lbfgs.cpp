#include "lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace strata::tune::detail {
namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The gradient with the components that push against an active bound zeroed.
std::vector<double> projected_gradient(const std::vector<double>& x, const std::vector<double>& g,
                                       const std::vector<double>& lo, const std::vector<double>& hi) {
  std::vector<double> p = g;
  for (size_t i = 0; i < x.size(); ++i) {
    if ((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0)) p[i] = 0;
  }
  return p;
}

}  // namespace

LbfgsResult minimize_lbfgs(const SmoothFn& f, std::vector<double> x, const std::vector<double>& lower,
                           const std::vector<double>& upper, int max_iterations, int memory,
                           double tolerance) {
  const size_t n = x.size();
  const double inf = std::numeric_limits<double>::infinity();
  auto eval = [&](const std::vector<double>& at, std::vector<double>& g) {
    const double v = f(at, g);
    bool ok = std::isfinite(v);
    for (double gi : g) ok = ok && std::isfinite(gi);
    return ok ? v : inf;
  };
  for (size_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], lower[i], upper[i]);
  std::vector<double> g(n, 0.0), g_new(n, 0.0), x_new(n);
  double fx = eval(x, g);
  LbfgsResult result{x, fx, 0};
  if (!std::isfinite(fx)) return result;
  std::deque<std::vector<double>> s_hist, y_hist;
  std::deque<double> rho_hist;
  for (int it = 0; it < max_iterations; ++it) {
    result.iterations = it + 1;
    const std::vector<double> pg = projected_gradient(x, g, lower, upper);
    double pg_max = 0;
    for (double v : pg) pg_max = std::max(pg_max, std::abs(v));
    if (pg_max < tolerance) break;
    // Two-loop recursion on the free variables.
    std::vector<double> d = pg;
    std::vector<double> alpha(s_hist.size());
    for (size_t k = s_hist.size(); k-- > 0;) {
      alpha[k] = rho_hist[k] * dot(s_hist[k], d);
      for (size_t i = 0; i < n; ++i) d[i] -= alpha[k] * y_hist[k][i];
    }
    if (!s_hist.empty()) {
      const double gamma = dot(s_hist.back(), y_hist.back()) / dot(y_hist.back(), y_hist.back());
      for (double& v : d) v *= gamma;
    }
    for (size_t k = 0; k < s_hist.size(); ++k) {
      const double beta = rho_hist[k] * dot(y_hist[k], d);
      for (size_t i = 0; i < n; ++i) d[i] += s_hist[k][i] * (alpha[k] - beta);
    }
    for (size_t i = 0; i < n; ++i) d[i] = pg[i] == 0 ? 0 : -d[i];
    if (dot(d, pg) >= 0) {  // not a descent direction: restart from steepest descent
      s_hist.clear(), y_hist.clear(), rho_hist.clear();
      for (size_t i = 0; i < n; ++i) d[i] = -pg[i];
    }
    double t = s_hist.empty() ? std::min(1.0, 1.0 / std::sqrt(dot(pg, pg))) : 1.0;
    double f_new = inf;
    bool moved = false;
    for (int ls = 0; ls < 40; ++ls) {
      for (size_t i = 0; i < n; ++i) x_new[i] = std::clamp(x[i] + t * d[i], lower[i], upper[i]);
      double decrease = 0;
      for (size_t i = 0; i < n; ++i) decrease += g[i] * (x_new[i] - x[i]);
      f_new = eval(x_new, g_new);
      if (f_new <= fx + 1e-4 * decrease) {
        moved = true;
        break;
      }
      t *= 0.5;
    }
    if (!moved) break;
    std::vector<double> s(n), y(n);
    for (size_t i = 0; i < n; ++i) s[i] = x_new[i] - x[i], y[i] = g_new[i] - g[i];
    const double sy = dot(s, y);
    if (sy > 1e-12) {
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(y));
      rho_hist.push_back(1.0 / sy);
      if (static_cast<int>(s_hist.size()) > memory)
        s_hist.pop_front(), y_hist.pop_front(), rho_hist.pop_front();
    }
    const double change = fx - f_new;
    x = x_new, g = g_new, fx = f_new;
    if (change < 1e-12 * (1.0 + std::abs(fx))) break;
  }
  result.x = x;
  result.value = fx;
  return result;
}

}  // namespace strata::tune::detail
