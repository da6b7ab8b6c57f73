// Regression metrics: per-output running sums merged batch by batch (Chan et al. for the target variance).
#include "strata/metrics/regression.h"

#include <cfloat>
#include <cmath>

#include "input.h"

namespace strata::metrics {
namespace {

const char* kind_name(RegressionKind kind) {
  switch (kind) {
    case RegressionKind::MSE:
      return "mse";
    case RegressionKind::RMSE:
      return "rmse";
    case RegressionKind::MAE:
      return "mae";
    case RegressionKind::MAPE:
      return "mape";
    case RegressionKind::R2:
      return "r2";
  }
  return "?";
}

}  // namespace

RegressionMetric::RegressionMetric(RegressionKind kind) : Metric(kind_name(kind)), kind_(kind) {}

void RegressionMetric::update(const Tensor& output, const Tensor& target) {
  STRATA_CHECK(output.defined() && target.defined(), "{}: output or target is undefined", name());
  STRATA_CHECK(is_floating(output.dtype()), "{}: output must hold floats, got {} of shape {}", name(),
               dtype_name(output.dtype()), output.shape().str());
  STRATA_CHECK(output.dim() == 1 || output.dim() == 2, "{}: output of shape {} must be [N] or [N, D]", name(),
               output.shape().str());
  const int64_t n = output.size(0), d = output.dim() == 2 ? output.size(1) : 1;
  // [N] and [N, 1] are interchangeable; anything else must match exactly.
  const bool same = target.shape() == output.shape() || (d == 1 && target.numel() == n && target.dim() >= 1 &&
                                                         target.dim() <= 2 && target.size(0) == n);
  STRATA_CHECK(same, "{}: target of shape {} does not match output of shape {}", name(), target.shape().str(),
               output.shape().str());
  STRATA_CHECK(columns_.empty() || static_cast<int64_t>(columns_.size()) == d,
               "{}: output of shape {} has {} outputs, earlier batches had {}", name(), output.shape().str(),
               d, columns_.size());
  if (n == 0) return;
  if (columns_.empty()) columns_.resize(static_cast<size_t>(d));
  const Tensor yp = detail::host_f64(output.reshape({n, d}));
  const Tensor yt = detail::host_f64(target.reshape({n, d}));
  const double* p = yp.data_ptr<double>();
  const double* t = yt.data_ptr<double>();
  const double nb = static_cast<double>(n), na = static_cast<double>(rows_);
  for (int64_t j = 0; j < d; ++j) {
    double sq = 0, abs = 0, pct = 0, mean = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double y = t[i * d + j], e = y - p[i * d + j];
      sq += e * e;
      abs += std::abs(e);
      pct += std::abs(e) / std::max(std::abs(y), DBL_EPSILON);
      mean += y;
    }
    mean /= nb;
    double m2 = 0;
    for (int64_t i = 0; i < n; ++i) m2 += (t[i * d + j] - mean) * (t[i * d + j] - mean);
    Column& c = columns_[static_cast<size_t>(j)];
    c.sq += sq;
    c.abs += abs;
    c.pct += pct;
    const double delta = mean - c.mean;
    c.mean += delta * nb / (na + nb);
    c.m2 += m2 + delta * delta * na * nb / (na + nb);
  }
  rows_ += n;
}

double RegressionMetric::value(size_t d) const {
  const Column& c = columns_[d];
  const double n = static_cast<double>(rows_);
  switch (kind_) {
    case RegressionKind::MSE:
      return c.sq / n;
    case RegressionKind::RMSE:
      return std::sqrt(c.sq / n);
    case RegressionKind::MAE:
      return c.abs / n;
    case RegressionKind::MAPE:
      return c.pct / n;
    case RegressionKind::R2:
      if (rows_ < 2) return NAN;  // scikit-learn: not well-defined with fewer than two samples
      if (c.m2 == 0) return c.sq == 0 ? 1.0 : 0.0;
      return 1.0 - c.sq / c.m2;
  }
  return NAN;
}

double RegressionMetric::compute() const {
  check_not_empty();
  double sum = 0;
  for (size_t d = 0; d < columns_.size(); ++d) sum += value(d);
  return sum / static_cast<double>(columns_.size());
}

std::vector<double> RegressionMetric::per_output() const {
  check_not_empty();
  std::vector<double> v;
  for (size_t d = 0; d < columns_.size(); ++d) v.push_back(value(d));
  return v;
}

void RegressionMetric::reset() {
  columns_.clear();
  rows_ = 0;
}

}  // namespace strata::metrics
