#include "strata/data/table/split.h"

#include <algorithm>
#include <map>
#include <set>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

// 100 rows: 60 of class 0, 30 of class 1, 10 of class 2 (interleaved).
std::vector<int64_t> labels100() {
  std::vector<int64_t> y;
  for (int i = 0; i < 100; ++i) y.push_back(i % 10 == 0 ? 2 : i % 10 < 4 ? 1 : 0);
  return y;
}

std::map<int64_t, int64_t> counts(const std::vector<int64_t>& rows, const std::vector<int64_t>& y) {
  std::map<int64_t, int64_t> c;
  for (int64_t r : rows) ++c[y[static_cast<size_t>(r)]];
  return c;
}

void expect_partition(const std::vector<std::vector<int64_t>>& parts, int64_t n) {
  std::vector<int64_t> all;
  for (const auto& p : parts) {
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
    all.insert(all.end(), p.begin(), p.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(static_cast<int64_t>(all.size()), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], i);
}

TEST(TrainValTestSplitTest, SizesAsSklearnAndSeeded) {
  SplitIndices s = train_val_test_split(10, {}, 0.25, 0.1, 42);
  EXPECT_EQ(s.test.size(), 3u);  // ceil(2.5)
  EXPECT_EQ(s.val.size(), 1u);
  EXPECT_EQ(s.train.size(), 6u);
  expect_partition({s.train, s.val, s.test}, 10);
  SplitIndices again = train_val_test_split(10, {}, 0.25, 0.1, 42);
  EXPECT_EQ(again.test, s.test);
  EXPECT_EQ(again.train, s.train);
  bool differs = false;
  for (uint64_t seed = 1; seed < 6; ++seed)
    differs |= train_val_test_split(10, {}, 0.25, 0.1, seed).test != s.test;
  EXPECT_TRUE(differs);
  // 0.7 * 10 is 7.000000000000001: still 7 rows.
  EXPECT_EQ(train_val_test_split(10, {}, 0.7, 0.0, 0).test.size(), 7u);
  // No shuffle: test, then val, then train, in row order.
  SplitIndices ordered = train_val_test_split(5, {}, 0.4, 0.2, 0, false);
  EXPECT_EQ(ordered.test, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(ordered.val, (std::vector<int64_t>{2}));
  EXPECT_EQ(ordered.train, (std::vector<int64_t>{3, 4}));
}

TEST(TrainValTestSplitTest, StratificationKeepsProportions) {
  const auto y = labels100();
  SplitIndices s = train_val_test_split(100, y, 0.2, 0.1, 7);
  expect_partition({s.train, s.val, s.test}, 100);
  EXPECT_EQ(counts(s.test, y), (std::map<int64_t, int64_t>{{0, 12}, {1, 6}, {2, 2}}));
  EXPECT_EQ(counts(s.val, y), (std::map<int64_t, int64_t>{{0, 6}, {1, 3}, {2, 1}}));
  EXPECT_EQ(counts(s.train, y), (std::map<int64_t, int64_t>{{0, 42}, {1, 21}, {2, 7}}));
  // Uneven shares: remainders go to the largest fractions; totals stay exact.
  std::vector<int64_t> odd = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
  SplitIndices t = train_val_test_split(11, odd, 0.3, 0.0, 3);
  EXPECT_EQ(t.test.size(), 4u);  // ceil(3.3)
  auto c = counts(t.test, odd);
  for (const auto& [k, v] : c) EXPECT_LE(v, 2) << k;
  EXPECT_EQ(c[0] + c[1] + c[2], 4);
}

TEST(TrainValTestSplitTest, TableSplitsStratifyOnAColumn) {
  std::vector<std::string> species;
  std::vector<double> x;
  for (int i = 0; i < 50; ++i) {
    species.push_back(i < 30 ? "a" : i < 45 ? "b" : "c");
    x.push_back(i);
  }
  Table t({Column::from_categories("species", species), Column::from_floats("x", x)});
  TableSplit s = split_table(t, {.test = 0.2, .stratify = "species", .seed = 1});
  EXPECT_EQ(s.test.num_rows(), 10);
  EXPECT_EQ(s.train.num_rows(), 40);
  EXPECT_EQ(s.val.num_rows(), 0);
  int64_t a = 0, b = 0, c = 0;
  for (int64_t i = 0; i < s.test.num_rows(); ++i) {
    const std::string& v = s.test["species"].str(i);
    a += v == "a";
    b += v == "b";
    c += v == "c";
  }
  EXPECT_EQ(a, 6);
  EXPECT_EQ(b, 3);
  EXPECT_EQ(c, 1);
  EXPECT_ERROR_CONTAINS(split_table(t, {.stratify = "nope"}), "no column 'nope'");
}

TEST(TrainValTestSplitTest, Errors) {
  EXPECT_ERROR_CONTAINS(train_val_test_split(10, {}, 0.6, 0.5, 0), "train_val_test_split", "less than 1");
  EXPECT_ERROR_CONTAINS(train_val_test_split(2, {}, 0.5, 0.4, 0), "leave no training rows");
  EXPECT_ERROR_CONTAINS(train_val_test_split(3, {0, 1}, 0.3, 0, 0), "2 labels for 3 rows");
  EXPECT_ERROR_CONTAINS(train_val_test_split(2, {0, -1}, 0.3, 0, 0), "label -1 at row 1");
  EXPECT_ERROR_CONTAINS(train_val_test_split(4, {0, 0, 1, 1}, 0.5, 0, 0, false), "needs shuffle");
}

TEST(KFoldTest, FoldsPartitionTheRows) {
  std::vector<Fold> folds = kfold(10, 3, 5);
  ASSERT_EQ(folds.size(), 3u);
  EXPECT_EQ(folds[0].test.size(), 4u);  // 10 = 4 + 3 + 3
  EXPECT_EQ(folds[1].test.size(), 3u);
  expect_partition({folds[0].test, folds[1].test, folds[2].test}, 10);
  for (const auto& f : folds) expect_partition({f.train, f.test}, 10);
  EXPECT_EQ(kfold(10, 3, 5)[1].test, folds[1].test);
  std::vector<Fold> plain = kfold(6, 3, 0, false);
  EXPECT_EQ(plain[0].test, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(plain[2].test, (std::vector<int64_t>{4, 5}));
  EXPECT_ERROR_CONTAINS(kfold(3, 4, 0), "kfold: k = 4", "[2, 3]");
  EXPECT_ERROR_CONTAINS(kfold(3, 1, 0), "kfold: k = 1");
}

TEST(KFoldTest, StratifiedFoldsKeepClassProportions) {
  const auto y = labels100();
  std::vector<Fold> folds = stratified_kfold(y, 5, 11);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<std::vector<int64_t>> tests;
  for (const auto& f : folds) {
    tests.push_back(f.test);
    expect_partition({f.train, f.test}, 100);
    EXPECT_EQ(f.test.size(), 20u);
    EXPECT_EQ(counts(f.test, y), (std::map<int64_t, int64_t>{{0, 12}, {1, 6}, {2, 2}}));
  }
  expect_partition(tests, 100);
  // Uneven classes: per class, fold counts differ by at most one, and so do fold sizes.
  std::vector<int64_t> odd;
  for (int i = 0; i < 23; ++i) odd.push_back(i % 3 == 0 ? 1 : 0);
  std::vector<Fold> f4 = stratified_kfold(odd, 4, 2);
  int64_t lo = 100, hi = 0;
  for (const auto& f : f4) {
    lo = std::min<int64_t>(lo, static_cast<int64_t>(f.test.size()));
    hi = std::max<int64_t>(hi, static_cast<int64_t>(f.test.size()));
    const auto c = counts(f.test, odd);
    EXPECT_GE(c.at(1), 1);
    EXPECT_LE(c.at(1), 2);
  }
  EXPECT_LE(hi - lo, 1);
  Table t({Column::from_ints("y", odd)});
  EXPECT_EQ(stratified_kfold(t, "y", 4, 2)[3].test, stratified_kfold(class_ids(t["y"]), 4, 2)[3].test);
  EXPECT_ERROR_CONTAINS(stratified_kfold(odd, 50, 0), "stratified_kfold: k = 50");
}

TEST(ClassIdsTest, FirstAppearanceOrderWithMissingAsAClass) {
  Column c = Column::from_categories("c", {"x", "", "y", "x", ""}, {0, 1, 0, 0, 1});
  EXPECT_EQ(class_ids(c), (std::vector<int64_t>{0, 1, 2, 0, 1}));
}

}  // namespace
}  // namespace strata::data::table
