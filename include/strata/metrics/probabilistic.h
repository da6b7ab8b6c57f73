#pragma once
// Metrics of predicted probabilities: log-loss (cross-entropy of probabilities, scikit-learn's
// log_loss) and the language-model measures perplexity and bits per character.
#include "strata/metrics/metric.h"

namespace strata::metrics {

// Mean negative log-likelihood of the targets ("log_loss"). Outputs are [N, C] or binary [N] scores
// (logits go through softmax / sigmoid, see Scores). Like scikit-learn's log_loss(eps="auto"),
// probabilities are clipped to [eps, 1 - eps] with eps the machine epsilon of the output dtype, and
// each row is renormalised to sum to 1.
class LogLoss : public Metric {
 public:
  explicit LogLoss(const MetricOptions& options = {});
  void update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override { sum_ = 0, total_ = 0; }
  bool higher_is_better() const override { return false; }
  int64_t count() const override { return total_; }

 private:
  MetricOptions options_;
  double sum_ = 0;
  int64_t total_ = 0;
};

// Mean token cross-entropy in nats of [..., C] scores (logits, or probabilities per Scores) against
// [...] token targets, skipping targets equal to options.ignore_index. Base of Perplexity and
// BitsPerChar; `cross_entropy()` gives the mean.
class TokenCrossEntropy : public Metric {
 public:
  void update(const Tensor& output, const Tensor& target) override;
  void reset() override { sum_ = 0, total_ = 0; }
  bool higher_is_better() const override { return false; }
  int64_t count() const override { return total_; }
  // Mean negative log-likelihood per token, in nats.
  double cross_entropy() const;

 protected:
  TokenCrossEntropy(const std::string& name, const MetricOptions& options)
      : Metric(name), options_(options) {}

 private:
  MetricOptions options_;
  double sum_ = 0;
  int64_t total_ = 0;
};

// exp(mean token cross-entropy) ("perplexity").
class Perplexity : public TokenCrossEntropy {
 public:
  explicit Perplexity(const MetricOptions& options = {}) : TokenCrossEntropy("perplexity", options) {}
  double compute() const override;
};

// Mean token cross-entropy in bits, log2 of perplexity ("bits_per_char").
class BitsPerChar : public TokenCrossEntropy {
 public:
  explicit BitsPerChar(const MetricOptions& options = {}) : TokenCrossEntropy("bits_per_char", options) {}
  double compute() const override;
};

}  // namespace strata::metrics
