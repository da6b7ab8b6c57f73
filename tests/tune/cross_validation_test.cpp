// Cross-validation: folds cover every row once, stratification keeps class counts, mean and standard
// deviation per metric, the dataset form, and errors naming the fold.
#include "strata/tune/cross_validation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::tune {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Aggregate, MeanAndPopulationStdPerMetric) {
  const CrossValidationResult r =
      aggregate({{{"acc", 0.9}, {"loss", 0.3}}, {{"acc", 0.8}, {"loss", 0.5}}, {{"acc", 1.0}}});
  EXPECT_NEAR(r.mean.at("acc"), 0.9, 1e-15);
  EXPECT_NEAR(r.std.at("acc"), std::sqrt(0.02 / 3), 1e-15);
  EXPECT_NEAR(r.mean.at("loss"), 0.4, 1e-15);  // over the two folds that report it
  EXPECT_NEAR(r.std.at("loss"), 0.1, 1e-15);
  const std::string s = r.summary();
  EXPECT_NE(s.find("acc   0.9000 +- 0.0816  (folds: 0.9, 0.8, 1)"), std::string::npos) << s;
}

TEST(CrossValidate, FoldsCoverEveryRowOnce) {
  std::vector<int> tested(23, 0);
  std::vector<int> sizes;
  const CrossValidationResult r = cross_validate(23,
                                                 [&](const data::table::Fold& f, int index) {
                                                   for (int64_t i : f.test) ++tested[static_cast<size_t>(i)];
                                                   std::set<int64_t> train(f.train.begin(), f.train.end());
                                                   for (int64_t i : f.test) EXPECT_FALSE(train.count(i));
                                                   EXPECT_EQ(f.train.size() + f.test.size(), 23u);
                                                   sizes.push_back(static_cast<int>(f.test.size()));
                                                   return Metrics{{"fold", static_cast<double>(index)}};
                                                 },
                                                 {.folds = 5, .seed = 1});
  for (int c : tested) EXPECT_EQ(c, 1);
  EXPECT_EQ(sizes, (std::vector<int>{5, 5, 5, 4, 4}));
  EXPECT_EQ(r.folds.size(), 5u);
  EXPECT_DOUBLE_EQ(r.mean.at("fold"), 2.0);
}

TEST(CrossValidate, StratifiedFoldsKeepTheClassCounts) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 40; ++i) labels.push_back(i < 30 ? 0 : 1);  // 75% / 25%
  cross_validate(
      40,
      [&](const data::table::Fold& f, int) {
        int ones = 0;
        for (int64_t i : f.test) ones += static_cast<int>(labels[static_cast<size_t>(i)]);
        EXPECT_EQ(f.test.size(), 8u);
        EXPECT_EQ(ones, 2);
        return Metrics{};
      },
      {.folds = 5, .stratified = true, .seed = 3}, labels);
}

TEST(CrossValidate, DatasetFormHandsOutSubsets) {
  const Tensor x = arange(30.0, {.dtype = kFloat32}).reshape({30, 1});
  std::vector<int64_t> y(30);
  for (int i = 0; i < 30; ++i) y[static_cast<size_t>(i)] = i % 3;
  auto dataset = std::make_shared<data::TensorDataset>(x, from_vector<int64_t>(y));
  EXPECT_EQ(dataset_labels(*dataset), y);
  const CrossValidationResult r = cross_validate(
      dataset,
      [](std::shared_ptr<const data::Dataset> train, std::shared_ptr<const data::Dataset> val, int) {
        EXPECT_EQ(train->size() + val->size(), 30);
        std::map<int64_t, int> classes;
        for (int64_t i = 0; i < val->size(); ++i) ++classes[static_cast<int64_t>(val->get(i).target.item())];
        EXPECT_EQ(classes.size(), 3u);
        return Metrics{{"val_size", static_cast<double>(val->size())}};
      },
      {.folds = 3, .stratified = true});
  EXPECT_DOUBLE_EQ(r.mean.at("val_size"), 10.0);
  EXPECT_DOUBLE_EQ(r.std.at("val_size"), 0.0);
}

TEST(CrossValidate, Errors) {
  auto none = [](const data::table::Fold&, int) { return Metrics{}; };
  EXPECT_NE(error_of([&] { cross_validate(10, none, {.folds = 1}); }).find("folds must be at least 2, got 1"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { cross_validate(3, none, {.folds = 5}); }).find("5 folds need at least 5 rows, got 3"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              cross_validate(10, none, {.stratified = true}, {0, 1});
            }).find("stratified folds need one label per row (10 rows, 2 labels)"),
            std::string::npos);
  EXPECT_EQ(error_of([&] {
              cross_validate(10,
                             [](const data::table::Fold&, int i) -> Metrics {
                               if (i == 1) throw Error("diverged");
                               return {};
                             },
                             {.folds = 5});
            }),
            "cross_validate: fold 2 of 5: diverged");
  auto regression = std::make_shared<data::TensorDataset>(zeros({4, 1}), zeros({4}));
  EXPECT_NE(
      error_of([&] { dataset_labels(*regression); }).find("need integer class targets of shape [N], got [4]"),
      std::string::npos);
}

}  // namespace
}  // namespace strata::tune
