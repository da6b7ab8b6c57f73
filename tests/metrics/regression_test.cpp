// Regression metrics: values, shapes, multi-output averaging, streaming and edge cases.
#include "strata/metrics/regression.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;

TEST(Regression, HandComputedValues) {
  const Tensor out = from_vector<double>({2.5, 0.0, 2.0, 8.0});
  const Tensor y = from_vector<double>({3.0, -0.5, 2.0, 7.0});
  MeanSquaredError mse;
  RootMeanSquaredError rmse;
  MeanAbsoluteError mae;
  MeanAbsolutePercentageError mape;
  R2Score r2;
  for (RegressionMetric* m : std::initializer_list<RegressionMetric*>{&mse, &rmse, &mae, &mape, &r2})
    m->update(out, y);
  EXPECT_DOUBLE_EQ(mse.compute(), 0.375);
  EXPECT_DOUBLE_EQ(rmse.compute(), std::sqrt(0.375));
  EXPECT_DOUBLE_EQ(mae.compute(), 0.5);
  EXPECT_NEAR(mape.compute(), (0.5 / 3 + 0.5 / 0.5 + 0 + 1.0 / 7) / 4, 1e-15);
  EXPECT_NEAR(r2.compute(), 0.9486081370449679, 1e-14);  // scikit-learn's r2_score example
  EXPECT_FALSE(mse.higher_is_better());
  EXPECT_TRUE(r2.higher_is_better());
  EXPECT_EQ(mape.name(), "mape");
}

TEST(Regression, StreamingEqualsOneShotWithDifferentBatchMeans) {
  const Tensor y = from_vector<double>({1, 2, 3, 10, 11, 12, 30});
  const Tensor out = from_vector<double>({1.5, 2, 2, 9, 12, 12, 25});
  R2Score once, streamed;
  once.update(out, y);
  streamed.update(out.narrow(0, 0, 3), y.narrow(0, 0, 3));
  streamed.update(out.narrow(0, 3, 1), y.narrow(0, 3, 1));
  streamed.update(out.narrow(0, 4, 3), y.narrow(0, 4, 3));
  EXPECT_NEAR(streamed.compute(), once.compute(), 1e-14);
}

TEST(Regression, ColumnsAreInterchangeableWithVectors) {
  MeanAbsoluteError mae;
  mae.update(from_vector<float>({1, 2}, {2, 1}), from_vector<float>({2, 2}));
  mae.update(from_vector<float>({4}), from_vector<float>({1}, {1, 1}));
  EXPECT_DOUBLE_EQ(mae.compute(), 4.0 / 3.0);
}

TEST(Regression, MultiOutputAveragesUniformly) {
  const Tensor out = from_vector<double>({0, 1, 0, 3}, {2, 2});
  const Tensor y = from_vector<double>({1, 1, 0, 1}, {2, 2});
  RootMeanSquaredError rmse;
  rmse.update(out, y);
  EXPECT_EQ(rmse.per_output(), (std::vector<double>{std::sqrt(0.5), std::sqrt(2.0)}));
  EXPECT_DOUBLE_EQ(rmse.compute(), (std::sqrt(0.5) + std::sqrt(2.0)) / 2);
}

TEST(Regression, ScikitLearnEdgeCases) {
  R2Score exact, off, one;
  exact.update(full({3}, 2.0), full({3}, 2.0));
  off.update(full({3}, 2.5), full({3}, 2.0));
  one.update(full({1}, 1.0), full({1}, 3.0));
  EXPECT_DOUBLE_EQ(exact.compute(), 1.0);  // constant target predicted exactly
  EXPECT_DOUBLE_EQ(off.compute(), 0.0);    // constant target missed
  EXPECT_TRUE(std::isnan(one.compute()));  // fewer than two samples
}

TEST(Regression, BadInputsNameShapes) {
  MeanSquaredError mse;
  std::string msg = error_of([&] { mse.update(zeros({3}), zeros({4})); });
  EXPECT_NE(msg.find("mse: target of shape [4] does not match output of shape [3]"), std::string::npos)
      << msg;
  msg = error_of([&] { mse.update(zeros({3, 2}), zeros({3})); });
  EXPECT_NE(msg.find("target of shape [3] does not match output of shape [3, 2]"), std::string::npos) << msg;
  msg = error_of([&] { mse.update(zeros({2, 2, 2}), zeros({2, 2, 2})); });
  EXPECT_NE(msg.find("must be [N] or [N, D]"), std::string::npos) << msg;
  msg = error_of([&] { mse.update(zeros({2}, {.dtype = kInt64}), zeros({2})); });
  EXPECT_NE(msg.find("output must hold floats, got i64"), std::string::npos) << msg;
  mse.update(zeros({2, 2}), zeros({2, 2}));
  msg = error_of([&] { mse.update(zeros({2, 3}), zeros({2, 3})); });
  EXPECT_NE(msg.find("has 3 outputs, earlier batches had 2"), std::string::npos) << msg;
  mse.reset();
  EXPECT_NE(error_of([&] { mse.compute(); }).find("mse: no samples"), std::string::npos);
}

}  // namespace
}  // namespace strata::metrics
