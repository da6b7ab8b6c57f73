#include "strata/explain/rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "strata/core/error.h"

namespace strata::explain {

std::vector<double> ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return values[i] < values[j]; });
  std::vector<double> r(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + j) + 1.0;  // positions i..j hold ranks i+1..j+1
    for (size_t k = i; k <= j; ++k) r[order[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  STRATA_CHECK(a.size() == b.size() && !a.empty(),
               "spearman: needs two non-empty sequences of one length, got {} and {}", a.size(), b.size());
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double mean = 0.5 * static_cast<double>(a.size() + 1);  // the mean of ranks 1..n, ties or not
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (saa == 0 || sbb == 0) return 0.0;
  return sab / std::sqrt(saa * sbb);
}

std::vector<double> spearman_per_example(const Tensor& a, const Tensor& b) {
  STRATA_CHECK(a.defined() && b.defined() && a.shape() == b.shape() && a.dim() >= 1,
               "spearman: the maps must have one shape [N, ...], got {} and {}",
               a.defined() ? a.shape().str() : "undefined", b.defined() ? b.shape().str() : "undefined");
  const int64_t n = a.size(0);
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  const size_t per = va.size() / static_cast<size_t>(n);
  std::vector<double> out;
  for (int64_t i = 0; i < n; ++i) {
    const auto from = static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * per);
    const auto to = from + static_cast<std::ptrdiff_t>(per);
    out.push_back(spearman({va.begin() + from, va.begin() + to}, {vb.begin() + from, vb.begin() + to}));
  }
  return out;
}

}  // namespace strata::explain
