// The Metric base and the shared readers of metric inputs (src/metrics/input.h).
#include "strata/metrics/metric.h"

#include <cmath>

#include "input.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"

namespace strata::metrics {

std::string average_name(Average average) {
  switch (average) {
    case Average::Binary:
      return "binary";
    case Average::Micro:
      return "micro";
    case Average::Macro:
      return "macro";
    case Average::Weighted:
      return "weighted";
    case Average::None:
      return "none";
  }
  return "?";
}

Tensor Metric::compute_tensor() const { return scalar_tensor(compute(), {.dtype = kFloat64}); }

void Metric::check_not_empty() const {
  STRATA_CHECK(count() > 0, "{}: no samples accumulated; call update() with a batch before compute()", name_);
}

namespace detail {

Tensor host_f64(const Tensor& t) {
  NoGradGuard no_grad;
  return t.detach().to(kCPU).to(kFloat64).contiguous();
}

ClassOutputs read_outputs(const std::string& who, const Tensor& output, bool labels_allowed) {
  STRATA_CHECK(output.defined(), "{}: the output tensor is undefined", who);
  const Dtype dtype = output.dtype();
  const bool floating = is_floating(dtype);
  const bool column = output.dim() == 2 && output.size(1) == 1;
  ClassOutputs out;
  out.dtype = dtype;
  if (output.dim() == 1 || column) {
    out.rows = output.size(0);
    if (dtype == kInt64 && labels_allowed) {
      NoGradGuard no_grad;
      out.kind = ClassOutputs::Kind::Labels;
      out.data = output.detach().to(kCPU).reshape({out.rows}).contiguous();
      const int64_t* l = out.labels();
      for (int64_t i = 0; i < out.rows; ++i) {
        STRATA_CHECK(l[i] >= 0, "{}: predicted label {} at row {} is negative", who, l[i], i);
      }
      return out;
    }
    STRATA_CHECK(floating, "{}: output of shape {} must hold {} (got {})", who, output.shape().str(),
                 labels_allowed ? "float scores or i64 labels" : "float scores", dtype_name(dtype));
    out.kind = ClassOutputs::Kind::Binary;
    out.data = host_f64(output.reshape({out.rows}));
    return out;
  }
  STRATA_CHECK(output.dim() == 2, "{}: output of shape {} must be [N, C] scores, [N] binary scores{}", who,
               output.shape().str(), labels_allowed ? " or [N] class labels" : "");
  STRATA_CHECK(floating, "{}: [N, C] output must hold float scores, got {} of shape {}", who,
               dtype_name(dtype), output.shape().str());
  out.kind = ClassOutputs::Kind::Scores;
  out.rows = output.size(0);
  out.cols = output.size(1);
  out.data = host_f64(output);
  return out;
}

std::vector<int64_t> read_targets(const std::string& who, const Tensor& target, const Tensor& output,
                                  int64_t rows) {
  STRATA_CHECK(target.defined(), "{}: the target tensor is undefined", who);
  const bool shape_ok =
      (target.dim() == 1 || (target.dim() == 2 && target.size(1) == 1)) && target.size(0) == rows;
  STRATA_CHECK(shape_ok,
               "{}: target of shape {} does not match output of shape {} (expected [{}] class indices)", who,
               target.shape().str(), output.shape().str(), rows);
  std::vector<int64_t> classes(static_cast<size_t>(rows));
  if (target.dtype() == kInt64) {
    NoGradGuard no_grad;
    const Tensor t = target.detach().to(kCPU).reshape({rows}).contiguous();
    std::copy_n(t.data_ptr<int64_t>(), rows, classes.begin());
    for (int64_t i = 0; i < rows; ++i) {
      STRATA_CHECK(classes[static_cast<size_t>(i)] >= 0,
                   "{}: target {} at row {} is negative; targets are class "
                   "indices",
                   who, classes[static_cast<size_t>(i)], i);
    }
  } else {
    const Tensor t = host_f64(target.reshape({rows}));
    const double* v = t.data_ptr<double>();
    for (int64_t i = 0; i < rows; ++i) {
      STRATA_CHECK(
          std::isfinite(v[i]) && v[i] == std::floor(v[i]) && v[i] >= 0,
          "{}: target {} at row {} is not a class index (targets of dtype {} must hold whole numbers)", who,
          v[i], i, dtype_name(target.dtype()));
      classes[static_cast<size_t>(i)] = static_cast<int64_t>(v[i]);
    }
  }
  return classes;
}

bool are_probabilities(const ClassOutputs& out, Scores scores) {
  if (scores != Scores::Auto) return scores == Scores::Probabilities;
  if (out.kind == ClassOutputs::Kind::Labels) return false;
  const double* s = out.scores();
  for (int64_t i = 0; i < out.rows; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < out.cols; ++j) {
      const double v = s[i * out.cols + j];
      if (!(v >= 0.0 && v <= 1.0)) return false;
      sum += v;
    }
    if (out.kind == ClassOutputs::Kind::Scores && std::abs(sum - 1.0) > 1e-3) return false;
  }
  return true;
}

std::vector<double> probabilities(const ClassOutputs& out, Scores scores) {
  const double* s = out.scores();
  const size_t n = static_cast<size_t>(out.rows * out.cols);
  std::vector<double> p(s, s + n);
  if (are_probabilities(out, scores)) return p;
  if (out.kind == ClassOutputs::Kind::Binary) {
    for (double& v : p) v = 1.0 / (1.0 + std::exp(-v));
    return p;
  }
  for (int64_t i = 0; i < out.rows; ++i) {
    double* row = p.data() + i * out.cols;
    const double m = *std::max_element(row, row + out.cols);
    double sum = 0;
    for (int64_t j = 0; j < out.cols; ++j) sum += (row[j] = std::exp(row[j] - m));
    for (int64_t j = 0; j < out.cols; ++j) row[j] /= sum;
  }
  return p;
}

void predict(const ClassOutputs& out, const MetricOptions& options, std::vector<int64_t>& predicted) {
  predicted.resize(static_cast<size_t>(out.rows));
  switch (out.kind) {
    case ClassOutputs::Kind::Labels:
      std::copy_n(out.labels(), out.rows, predicted.begin());
      return;
    case ClassOutputs::Kind::Binary: {
      const double* s = out.scores();
      // Logits are compared with the threshold's logit, which avoids a sigmoid per row.
      const bool probs = are_probabilities(out, options.scores);
      const double t = options.threshold;
      const double cut = probs ? t : (t <= 0 ? -INFINITY : t >= 1 ? INFINITY : std::log(t / (1 - t)));
      for (int64_t i = 0; i < out.rows; ++i) predicted[static_cast<size_t>(i)] = s[i] > cut ? 1 : 0;
      return;
    }
    case ClassOutputs::Kind::Scores: {
      const double* s = out.scores();
      const int64_t c = out.cols;
      for (int64_t i = 0; i < out.rows; ++i) {
        const double* row = s + i * c;
        predicted[static_cast<size_t>(i)] = std::max_element(row, row + c) - row;  // first maximum
      }
      return;
    }
  }
}

}  // namespace detail
}  // namespace strata::metrics
