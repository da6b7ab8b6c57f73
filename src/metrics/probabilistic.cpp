// Log-loss, perplexity and bits per character: running sums of negative log-likelihoods.
#include "strata/metrics/probabilistic.h"

#include <cfloat>
#include <cmath>
#include <numbers>

#include "input.h"
#include "strata/autograd/grad_mode.h"

namespace strata::metrics {

LogLoss::LogLoss(const MetricOptions& options) : Metric("log_loss"), options_(options) {}

void LogLoss::update(const Tensor& output, const Tensor& target) {
  const detail::ClassOutputs out = detail::read_outputs(name(), output, /*labels_allowed=*/false);
  const std::vector<int64_t> truth = detail::read_targets(name(), target, output, out.rows);
  const bool binary = out.kind == detail::ClassOutputs::Kind::Binary;
  const int64_t classes = binary ? 2 : out.cols;
  STRATA_CHECK(options_.num_classes == 0 || options_.num_classes == classes,
               "{}: output of shape {} has {} classes but num_classes = {}", name(), output.shape().str(),
               classes, options_.num_classes);
  for (size_t i = 0; i < truth.size(); ++i) {
    STRATA_CHECK(truth[i] < classes,
                 "{}: target {} at row {} is out of range for output of shape {} ({} classes)", name(),
                 truth[i], i, output.shape().str(), classes);
  }
  // scikit-learn's eps="auto": the machine epsilon of the prediction's dtype.
  const double eps = out.dtype == kFloat64 ? DBL_EPSILON : FLT_EPSILON;
  auto clip = [eps](double p) { return std::clamp(p, eps, 1 - eps); };
  const std::vector<double> p = detail::probabilities(out, options_.scores);
  double sum = 0;
  for (int64_t i = 0; i < out.rows; ++i) {
    const int64_t t = truth[static_cast<size_t>(i)];
    if (binary) {
      const double p1 = clip(p[static_cast<size_t>(i)]), p0 = 1 - p1;
      sum -= std::log((t == 1 ? p1 : p0) / (p0 + p1));
      continue;
    }
    const double* row = p.data() + i * out.cols;
    double total = 0;
    for (int64_t j = 0; j < out.cols; ++j) total += clip(row[j]);
    sum -= std::log(clip(row[t]) / total);
  }
  sum_ += sum;
  total_ += out.rows;
}

double LogLoss::compute() const {
  check_not_empty();
  return sum_ / static_cast<double>(total_);
}

void TokenCrossEntropy::update(const Tensor& output, const Tensor& target) {
  STRATA_CHECK(output.defined() && target.defined(), "{}: output or target is undefined", name());
  STRATA_CHECK(output.dim() >= 2 && is_floating(output.dtype()),
               "{}: output must be [..., C] float scores, got {} of shape {}", name(),
               dtype_name(output.dtype()), output.shape().str());
  bool leading_match = target.dim() == output.dim() - 1;
  for (int64_t d = 0; leading_match && d < target.dim(); ++d)
    leading_match = target.size(d) == output.size(d);
  STRATA_CHECK(leading_match,
               "{}: target of shape {} does not match output of shape {} (expected the output's shape "
               "without its last dim)",
               name(), target.shape().str(), output.shape().str());
  STRATA_CHECK(target.dtype() == kInt64, "{}: target must hold i64 token indices, got {}", name(),
               dtype_name(target.dtype()));
  const int64_t c = output.size(-1);
  detail::ClassOutputs out;
  out.kind = detail::ClassOutputs::Kind::Scores;
  out.rows = output.numel() / c;
  out.cols = c;
  out.dtype = output.dtype();
  out.data = detail::host_f64(output.reshape({out.rows, c}));
  Tensor t;
  {
    NoGradGuard no_grad;
    t = target.detach().to(kCPU).reshape({out.rows}).contiguous();
  }
  const int64_t* tokens = t.data_ptr<int64_t>();
  const bool probs = detail::are_probabilities(out, options_.scores);
  const double* s = out.scores();
  double sum = 0;
  int64_t counted = 0;
  for (int64_t i = 0; i < out.rows; ++i) {
    const int64_t token = tokens[i];
    if (token == options_.ignore_index) continue;
    STRATA_CHECK(token >= 0 && token < c, "{}: target {} at position {} is out of range for {} classes",
                 name(), token, i, c);
    const double* row = s + i * c;
    if (probs) {
      sum -= std::log(row[token]);
    } else {
      const double m = *std::max_element(row, row + c);
      double z = 0;
      for (int64_t j = 0; j < c; ++j) z += std::exp(row[j] - m);
      sum += m + std::log(z) - row[token];  // log-sum-exp minus the target's logit
    }
    ++counted;
  }
  sum_ += sum;
  total_ += counted;
}

double TokenCrossEntropy::cross_entropy() const {
  check_not_empty();
  return sum_ / static_cast<double>(total_);
}

double Perplexity::compute() const { return std::exp(cross_entropy()); }

double BitsPerChar::compute() const { return cross_entropy() / std::numbers::ln2; }

}  // namespace strata::metrics
