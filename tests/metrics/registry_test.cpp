// Metrics by name: every name makes a working metric, patterns set k and beta, unknown names list the known.
#include "strata/metrics/registry.h"

#include <gtest/gtest.h>

#include "metrics/metrics_test_util.h"
#include "strata/metrics/classification.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(Registry, EveryNameMakesAMetricThatAcceptsItsInput) {
  const Tensor scores =
      from_vector<double>({0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.5, 0.4, 0.1}, {4, 3});
  const Tensor binary = from_vector<double>({0.9, 0.3, 0.6, 0.2});
  const Tensor classes = labels({0, 1, 2, 1});
  const Tensor binary_classes = labels({1, 0, 1, 1});
  const Tensor values = from_vector<double>({1.0, 2.0, 3.0, 4.5});
  int made = 0;
  for (const std::string& name : names()) {
    if (name.find('<') != std::string::npos) continue;
    SCOPED_TRACE(name);
    auto m = make(name);
    ASSERT_NE(m, nullptr);
    const bool regression =
        name == "mse" || name == "rmse" || name == "mae" || name == "mape" || name == "r2";
    if (regression) {
      m->update(values + 0.5, values);
    } else if (name.find("binary") != std::string::npos) {
      m->update(binary, binary_classes);
    } else {
      m->update(scores, classes);
    }
    EXPECT_EQ(m->count(), 4);
    if (m->is_scalar()) {
      EXPECT_TRUE(std::isfinite(m->compute()));
    } else {
      EXPECT_EQ(m->compute_tensor().shape(), (Shape{3, 3}));
    }
    ++made;
  }
  EXPECT_GE(made, 35);
}

TEST(Registry, PatternsSetTopKAndBeta) {
  auto top3 = make("top3_accuracy");
  EXPECT_EQ(top3->name(), "top3_accuracy");
  auto top5 = make("top_k_accuracy");
  EXPECT_EQ(top5->name(), "top5_accuracy");
  auto top2 = make("top_k_accuracy", {.top_k = 2});
  EXPECT_EQ(top2->name(), "top2_accuracy");
  auto f2 = make("f2_macro");
  auto f_half = make("f0.5_binary");
  EXPECT_EQ(f2->name(), "fbeta_macro");
  // With P = 1 and R = 0.5, F2 leans to recall and F0.5 to precision.
  const Tensor p = from_vector<double>({0.9, 0.2, 0.1, 0.1});
  const Tensor y = labels({1, 1, 0, 0});
  f_half->update(p, y);
  EXPECT_NEAR(f_half->compute(), 1.25 * 0.5 / (0.25 + 0.5), 1e-15);
  auto f2_binary = make("f2_binary");
  f2_binary->update(p, y);
  EXPECT_NEAR(f2_binary->compute(), 5 * 0.5 / (4 + 0.5), 1e-15);
}

TEST(Registry, AliasesMatchTheirTargets) {
  EXPECT_EQ(make("auc")->name(), "roc_auc");
  EXPECT_EQ(make("pr_auc")->name(), "average_precision");
  EXPECT_EQ(make("matthews_corrcoef")->name(), "mcc");
  EXPECT_NE(dynamic_cast<Accuracy*>(make("accuracy", {.num_classes = 3}).get()), nullptr);
}

TEST(Registry, UnknownNamesListTheKnownOnes) {
  std::string msg = error_of([] { make("f1macro"); });
  EXPECT_NE(msg.find("metrics: unknown metric 'f1macro' (did you mean 'f1_macro'?)"), std::string::npos)
      << msg;
  for (const char* known : {"accuracy", "top5_accuracy", "f1_weighted", "roc_auc", "log_loss", "mcc", "r2",
                            "bits_per_char", "top<k>_accuracy", "f<beta>_<average>"}) {
    EXPECT_NE(msg.find(known), std::string::npos) << known << " missing from: " << msg;
  }
  msg = error_of([] { make("completely_different"); });
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
  EXPECT_THROW(make("f1_none"), Error);
  EXPECT_THROW(make("top0_accuracy"), Error);
}

TEST(Registry, HigherIsBetterIgnoresTheValidationPrefix) {
  EXPECT_TRUE(higher_is_better("f1_macro"));
  EXPECT_TRUE(higher_is_better("val_roc_auc"));
  EXPECT_TRUE(higher_is_better("r2"));
  EXPECT_FALSE(higher_is_better("val_log_loss"));
  EXPECT_FALSE(higher_is_better("mse"));
  EXPECT_FALSE(higher_is_better("perplexity"));
  EXPECT_THROW(higher_is_better("val_nonsense"), Error);
}

}  // namespace
}  // namespace strata::metrics
