// Log-loss, perplexity and bits per character.
#include "strata/metrics/probabilistic.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <numbers>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(LogLoss, MeanNegativeLogLikelihoodOfTheTargets) {
  LogLoss loss;
  loss.update(from_vector<double>({0.7, 0.2, 0.1, 0.25, 0.25, 0.5}, {2, 3}), labels({0, 2}));
  EXPECT_NEAR(loss.compute(), -(std::log(0.7) + std::log(0.5)) / 2, 1e-15);
  EXPECT_FALSE(loss.higher_is_better());
  // Binary probabilities of the positive class.
  LogLoss binary;
  binary.update(from_vector<double>({0.9, 0.2}), labels({1, 0}));
  EXPECT_NEAR(binary.compute(), -(std::log(0.9) + std::log(0.8)) / 2, 1e-15);
}

TEST(LogLoss, LogitsGoThroughSoftmaxOrSigmoid) {
  const Tensor logits = from_vector<double>({1.0, -0.5, 2.0, 0.3, 0.0, -1.0}, {2, 3});
  LogLoss from_logits, from_probs;
  from_logits.update(logits, labels({2, 0}));
  from_probs.update(logits.softmax(1), labels({2, 0}));
  EXPECT_NEAR(from_logits.compute(), from_probs.compute(), 1e-14);
  LogLoss sigmoid;
  sigmoid.update(from_vector<double>({2.0, -3.0}), labels({1, 1}));
  EXPECT_NEAR(sigmoid.compute(), (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(3.0))) / 2, 1e-14);
}

TEST(LogLoss, ClipsProbabilitiesAtTheDtypeEpsilon) {
  LogLoss f64, f32;
  f64.update(from_vector<double>({0.0, 1.0}), labels({1, 0}));
  EXPECT_NEAR(f64.compute(), -std::log(DBL_EPSILON), 1e-9);
  f32.update(from_vector<float>({0.0f, 1.0f}), labels({1, 0}));
  EXPECT_NEAR(f32.compute(), -std::log(static_cast<double>(FLT_EPSILON)), 1e-6);
}

TEST(LogLoss, RefusesTargetsOutsideTheClasses) {
  LogLoss loss;
  std::string msg = error_of([&] { loss.update(from_vector<double>({0.3, 0.6}), labels({0, 2})); });
  EXPECT_NE(msg.find("log_loss: target 2 at row 1 is out of range for output of shape [2] (2 classes)"),
            std::string::npos)
      << msg;
  LogLoss fixed({.num_classes = 3});
  msg = error_of([&] { fixed.update(zeros({1, 4}), labels({0})); });
  EXPECT_NE(msg.find("has 4 classes but num_classes = 3"), std::string::npos) << msg;
}

TEST(Perplexity, UniformLogitsGiveTheVocabularySize) {
  Perplexity ppl;
  BitsPerChar bpc;
  const Tensor logits = zeros({2, 3, 8});
  const Tensor tokens = from_vector<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  ppl.update(logits, tokens);
  bpc.update(logits, tokens);
  EXPECT_NEAR(ppl.compute(), 8.0, 1e-12);
  EXPECT_NEAR(bpc.compute(), 3.0, 1e-12);
  EXPECT_EQ(ppl.count(), 6);
  EXPECT_FALSE(bpc.higher_is_better());
}

TEST(Perplexity, SkipsIgnoredTokensAndStreams) {
  const Tensor logits = from_vector<double>({2, 0, 0, 1, 1, 0, 0, 0, 3}, {3, 3});
  Perplexity all, skipped, streamed;
  all.update(logits.narrow(0, 0, 2), labels({0, 1}));
  skipped.update(logits, labels({0, 1, -100}));
  streamed.update(logits.narrow(0, 0, 1), labels({0}));
  streamed.update(logits.narrow(0, 1, 1), labels({1}));
  EXPECT_NEAR(skipped.compute(), all.compute(), 1e-15);
  EXPECT_NEAR(streamed.compute(), all.compute(), 1e-15);
  EXPECT_EQ(skipped.count(), 2);
  BitsPerChar bpc;
  bpc.update(logits, labels({0, 1, 2}));
  Perplexity ppl;
  ppl.update(logits, labels({0, 1, 2}));
  EXPECT_NEAR(bpc.compute(), std::log2(ppl.compute()), 1e-12);
  Perplexity probs({.scores = Scores::Probabilities});
  probs.update(from_vector<double>({0.5, 0.5, 0.25, 0.75}, {2, 2}), labels({0, 1}));
  EXPECT_NEAR(probs.compute(), std::exp(-(std::log(0.5) + std::log(0.75)) / 2), 1e-15);
}

TEST(Perplexity, RefusesMismatchedShapes) {
  Perplexity ppl;
  std::string msg = error_of([&] { ppl.update(zeros({2, 3, 5}), from_vector<int64_t>({0, 1}, {2, 1})); });
  EXPECT_NE(msg.find("perplexity: target of shape [2, 1] does not match output of shape [2, 3, 5]"),
            std::string::npos)
      << msg;
  msg = error_of([&] { ppl.update(zeros({2, 5}), labels({0, 5})); });
  EXPECT_NE(msg.find("target 5 at position 1 is out of range for 5 classes"), std::string::npos) << msg;
  msg = error_of([&] { ppl.update(zeros({2, 5}), from_vector<float>({0, 1})); });
  EXPECT_NE(msg.find("target must hold i64 token indices, got f32"), std::string::npos) << msg;
  msg = error_of([&] { ppl.update(zeros({5}), labels({0})); });
  EXPECT_NE(msg.find("output must be [..., C] float scores"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { ppl.compute(); }).find("perplexity: no samples"), std::string::npos);
}

}  // namespace
}  // namespace strata::metrics
