#pragma once
// Metric: a streaming evaluation metric. update() accumulates one batch of model outputs and targets,
// compute() gives the value over everything seen since the last reset(), so a metric spans an epoch
// whatever the batch size. Values follow scikit-learn (see docs/evaluation.md for the edge cases).
//
// Inputs. Classification metrics take outputs as [N, C] scores (logits or probabilities), [N] (or
// [N, 1]) binary scores, or [N] i64 predicted class labels, and targets as [N] class indices (i64, or
// floats holding whole numbers such as BCE targets). Regression metrics take [N] or [N, D] floats and
// targets of the same shape ([N] and [N, 1] are interchangeable). Tensors may live on any device and
// need not be contiguous; metrics read them on the host in f64 without recording autograd.
//
// Edge cases (scikit-learn's conventions, zero_division = 0): a ratio with a zero denominator
// (precision without predicted positives, recall without true samples, F-beta with both zero) is 0;
// Matthews correlation is 0 when a marginal is constant; Cohen's kappa is NaN when chance agreement is 1
// (a single class everywhere); R² is NaN with fewer than 2 samples and, for constant targets, 1 when
// the prediction is exact and 0 otherwise. Where scikit-learn raises instead (ROC-AUC with one class
// present), the value is NaN so that a training run keeps going. compute() before any update() throws.
#include <cstdint>
#include <string>

#include "strata/core/tensor.h"

namespace strata::metrics {

// How classifier scores are read. Auto: [N, C] rows that lie in [0, 1] and sum to 1 (within 1e-3) are
// probabilities, other rows make the batch logits (softmax); [N] scores all in [0, 1] are probabilities,
// anything else logits (sigmoid). Auto decides per batch.
enum class Scores { Auto, Logits, Probabilities };

// How per-class scores are combined (scikit-learn's `average`). Macro and weighted average over the
// classes present in the targets or predictions, like scikit-learn with inferred labels; None gives the
// per-class values through compute_tensor().
enum class Average { Binary, Micro, Macro, Weighted, None };

// The name scikit-learn gives an average: "binary", "micro", "macro", "weighted", "none".
std::string average_name(Average average);

struct MetricOptions {
  // Number of classes; 0 infers it (C of [N, C] outputs, 2 for binary scores, largest label + 1 for
  // predicted labels). When set, outputs and labels must agree with it.
  int64_t num_classes = 0;
  Scores scores = Scores::Auto;
  // Binary scores [N]: a row is predicted positive when its probability is above the threshold.
  double threshold = 0.5;
  // The positive class of binary averages and binary ROC/PR curves.
  int64_t pos_label = 1;
  // F-beta's beta (recall weighs beta times as much as precision).
  double beta = 1.0;
  // Top-k accuracy's k.
  int64_t top_k = 5;
  // Perplexity and bits per character skip targets equal to this (PyTorch's CrossEntropyLoss default).
  int64_t ignore_index = -100;
};

class Metric {
 public:
  virtual ~Metric() = default;
  Metric(const Metric&) = default;
  Metric& operator=(const Metric&) = default;

  // The metric's canonical registry name, e.g. "f1_macro"; errors start with it.
  const std::string& name() const { return name_; }
  // Accumulates one batch.
  virtual void update(const Tensor& output, const Tensor& target) = 0;
  // The value over every batch since the last reset(); throws for non-scalar metrics (is_scalar()).
  virtual double compute() const = 0;
  // The full value as a tensor: a 0-dim f64 for scalar metrics, a matrix or vector otherwise.
  virtual Tensor compute_tensor() const;
  // Forgets every batch (call at the start of an epoch).
  virtual void reset() = 0;
  // True when a larger value is better (accuracy), false for losses and errors (log_loss, mse).
  virtual bool higher_is_better() const { return true; }
  // False when compute_tensor() is not a single number (confusion matrix, per-class averages).
  virtual bool is_scalar() const { return true; }
  // Samples (rows, or tokens for language-model metrics) accumulated since the last reset().
  virtual int64_t count() const = 0;

 protected:
  explicit Metric(std::string name) : name_(std::move(name)) {}
  // Throws "<name>: no samples ..." when nothing has been accumulated.
  void check_not_empty() const;

 private:
  std::string name_;
};

}  // namespace strata::metrics
