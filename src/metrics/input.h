#pragma once
// Reading metric inputs on the host: classifier outputs (scores or labels) and class-index targets.
#include <string>
#include <vector>

#include "strata/metrics/metric.h"

namespace strata::metrics::detail {

// `t` as a contiguous f64 host tensor, detached (copies only when it must).
Tensor host_f64(const Tensor& t);

// One batch of classifier outputs.
struct ClassOutputs {
  enum class Kind { Labels, Binary, Scores };
  Kind kind = Kind::Scores;
  int64_t rows = 0;
  int64_t cols = 1;  // C for Scores, 1 for Labels and Binary
  Dtype dtype = kFloat32;
  Tensor data;  // host, contiguous: i64 for Labels, f64 otherwise
  const double* scores() const { return data.data_ptr<double>(); }
  const int64_t* labels() const { return data.data_ptr<int64_t>(); }
};

// Reads [N, C] scores, [N] / [N, 1] binary scores or (when labels_allowed) [N] i64 labels; throws
// "<who>: ..." naming the shape and dtype otherwise.
ClassOutputs read_outputs(const std::string& who, const Tensor& output, bool labels_allowed);

// Reads targets [N] or [N, 1] holding class indices (i64, or floats with whole values) for `rows` outputs.
std::vector<int64_t> read_targets(const std::string& who, const Tensor& target, const Tensor& output,
                                  int64_t rows);

// Whether the scores are probabilities, as Scores says (Auto: see metric.h).
bool are_probabilities(const ClassOutputs& out, Scores scores);

// The scores as probabilities, row-major: softmax of [N, C] logits, sigmoid of binary logits.
std::vector<double> probabilities(const ClassOutputs& out, Scores scores);

// The predicted class of each row: argmax of scores (first maximum), probability above `threshold` for
// binary scores, the labels themselves.
void predict(const ClassOutputs& out, const MetricOptions& options, std::vector<int64_t>& predicted);

}  // namespace strata::metrics::detail
