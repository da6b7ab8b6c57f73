// fill_missing and drop_missing against pandas (fillna, ffill, bfill, interpolate, dropna) and sklearn's
// KNNImputer on standardised columns, on tests/fixtures/table/mixed.csv.
#include "data/table/table_test_util.h"
#include "strata/data/table/missing.h"

namespace strata::data::table {
namespace {

using testing::expect_column_near;
using testing::golden;
using testing::mixed;

void check_numeric(FillStrategy strategy, const char* key, int k = 5) {
  SCOPED_TRACE(key);
  Table t = mixed();
  fill_missing(t, {.strategy = strategy, .columns = {"a", "b", "c"}, .knn_neighbors = k});
  for (const char* col : {"a", "b", "c"}) expect_column_near(t[col], golden()["fill"][key][col], 1e-9);
}

TEST(FillMissingGoldenTest, MeanMedianMatchPandasFillna) {
  check_numeric(FillStrategy::Mean, "mean");
  check_numeric(FillStrategy::Median, "median");
}

TEST(FillMissingGoldenTest, ForwardBackwardInterpolateMatchPandas) {
  check_numeric(FillStrategy::Forward, "ffill");
  check_numeric(FillStrategy::Backward, "bfill");
  check_numeric(FillStrategy::Interpolate, "interpolate");
}

TEST(FillMissingGoldenTest, ModeMatchesPandas) {
  Table t = mixed();
  fill_missing(t, {.strategy = FillStrategy::Mode, .columns = {"cat", "c"}});
  expect_column_near(t["cat"], golden()["fill"]["mode_cat"]);
  expect_column_near(t["c"], golden()["fill"]["mode_c"]);
}

TEST(FillMissingGoldenTest, KnnMatchesSklearnKNNImputerOnStandardisedColumns) {
  check_numeric(FillStrategy::Knn, "knn", 5);
  check_numeric(FillStrategy::Knn, "knn3", 3);
}

TEST(DropMissingGoldenTest, MatchesPandasDropna) {
  const auto& g = golden()["drop"];
  auto kept_ids = [](const Table& t) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < t.num_rows(); ++i) ids.push_back(t["id"].int_at(i));
    return ids;
  };
  Table any = mixed();
  drop_missing(any);
  EXPECT_EQ(kept_ids(any), g["rows_any"].get<std::vector<int64_t>>());
  Table ab = mixed();
  drop_missing(ab, {.subset = {"a", "b"}});
  EXPECT_EQ(kept_ids(ab), g["rows_subset_ab"].get<std::vector<int64_t>>());
  Table frac = mixed();
  drop_missing(frac, {.threshold = 0.2});
  EXPECT_EQ(kept_ids(frac), g["rows_over_20pct"].get<std::vector<int64_t>>());
  Table cols = mixed();
  drop_missing(cols, {.axis = Axis::Columns, .threshold = 0.1});
  EXPECT_EQ(cols.column_names(), g["columns_over_10pct"].get<std::vector<std::string>>());
}

}  // namespace
}  // namespace strata::data::table
