#include "strata/data/table/missing.h"

#include <cmath>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

Table gaps() {
  return Table({Column::from_floats("x", {NAN, 1, NAN, NAN, 4, NAN}),
                Column::from_ints("n", {1, 2, 3, 4, 5, 6}, {0, 1, 0, 0, 1, 0}),
                Column::from_categories("c", {"a", "", "b", "b", "", "a"}, {0, 1, 0, 0, 1, 0}),
                Column::from_strings("s", {"p", "q", "r", "s", "t", "u"}, {0, 0, 0, 0, 0, 1})});
}

std::vector<double> values(const Table& t, const char* name) { return t[name].to_doubles(); }

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && std::abs(a[i] - b[i]) > 1e-12))
      return false;
  }
  return true;
}

TEST(DropMissingTest, RowsWithAnyOrTooManyMissing) {
  Table t = gaps();
  StepReport r = drop_missing(t);
  EXPECT_EQ(t.num_rows(), 0);  // every row misses something
  EXPECT_EQ(r.removed_rows.size(), 6u);
  Table u = gaps();
  drop_missing(u, {.subset = {"n", "c"}});
  EXPECT_EQ(values(u, "n"), (std::vector<double>{1, 3, 4, 6}));
  Table v = gaps();
  StepReport rv = drop_missing(v, {.threshold = 0.3});  // rows with 2 of 4 missing go
  EXPECT_EQ(rv.removed_rows, (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(rv.rows_after, 3);
  bool has_x = false;  // of the dropped rows only row 5 misses x
  for (const auto& c : rv.changes) has_x |= c.column == "x" && c.count == 1 && c.action == "dropped rows";
  EXPECT_TRUE(has_x);
}

TEST(DropMissingTest, ColumnsOverThreshold) {
  Table t = gaps();
  StepReport r = drop_missing(t, {.axis = Axis::Columns, .threshold = 0.5});  // x is 4/6 missing
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"n", "c", "s"}));
  EXPECT_EQ(r.removed_columns, (std::vector<std::string>{"x"}));
  EXPECT_EQ(r.columns_after, 3);
  EXPECT_ERROR_CONTAINS(drop_missing(t, {.threshold = 1.5}), "drop_missing: threshold 1.5");
  EXPECT_ERROR_CONTAINS(drop_missing(t, {.subset = {"zz"}}), "drop_missing: no column 'zz'");
}

TEST(FillMissingTest, MeanMedianConstant) {
  Table t = gaps();
  StepReport r = fill_missing(t, {.strategy = FillStrategy::Mean});
  EXPECT_TRUE(same(values(t, "x"), {2.5, 1, 2.5, 2.5, 4, 2.5}));
  // n's mean is 3.5: the int column becomes float, and the report says so.
  EXPECT_EQ(t["n"].type(), ColumnType::Float);
  EXPECT_TRUE(same(values(t, "n"), {1, 3.5, 3, 4, 3.5, 6}));
  EXPECT_EQ(t["c"].missing_count(), 2);  // mean does not touch categories
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(r.changes[0].column, "x");
  EXPECT_EQ(r.changes[0].count, 4);
  EXPECT_NE(r.changes[0].detail.find("2.5"), std::string::npos);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("became float"), std::string::npos);

  Table m = gaps();
  fill_missing(m, {.strategy = FillStrategy::Median, .columns = {"n"}});
  EXPECT_EQ(m["n"].type(), ColumnType::Float);  // median of 1, 3, 4, 6 is 3.5
  EXPECT_TRUE(same(values(m, "n"), {1, 3.5, 3, 4, 3.5, 6}));

  Table k = gaps();
  fill_missing(k, {.strategy = FillStrategy::Constant, .value = -1, .text = "unknown"});
  EXPECT_EQ(k["n"].type(), ColumnType::Int);
  EXPECT_EQ(k["n"].int_at(1), -1);
  EXPECT_EQ(k["c"].str(1), "unknown");
  EXPECT_EQ(k["s"].str(5), "unknown");
  EXPECT_EQ(k["x"].number(0), -1);
}

TEST(FillMissingTest, ModeTiesGoToTheSmallestValue) {
  Table t = gaps();
  fill_missing(t, {.strategy = FillStrategy::Mode});
  EXPECT_EQ(t["c"].str(1), "a");   // a and b both twice
  EXPECT_EQ(t["n"].int_at(1), 1);  // all once: the smallest
  EXPECT_EQ(t["x"].number(0), 1);
  EXPECT_EQ(t["s"].str(5), "p");
}

TEST(FillMissingTest, ForwardBackwardInterpolate) {
  Table f = gaps();
  StepReport r = fill_missing(f, {.strategy = FillStrategy::Forward, .columns = {"x", "c"}});
  EXPECT_TRUE(same(values(f, "x"), {NAN, 1, 1, 1, 4, 4}));
  EXPECT_EQ(f["c"].str(4), "b");
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("1 of 4 missing values stay missing"), std::string::npos) << r.notes[0];
  Table b = gaps();
  fill_missing(b, {.strategy = FillStrategy::Backward, .columns = {"x"}});
  EXPECT_TRUE(same(values(b, "x"), {1, 1, 4, 4, 4, NAN}));
  Table i = gaps();
  fill_missing(i, {.strategy = FillStrategy::Interpolate});
  EXPECT_TRUE(
      same(values(i, "x"), {NAN, 1, 2, 3, 4, 4}));  // leading gap stays, trailing takes the last value
  EXPECT_EQ(i["n"].type(), ColumnType::Int);        // 2 and 5 are whole
  EXPECT_TRUE(same(values(i, "n"), {1, 2, 3, 4, 5, 6}));
}

TEST(FillMissingTest, KnnAveragesNearestRows) {
  // y is missing in row 0; on x alone its nearest rows are 1 (x=1.1) and 2 (x=0.9), not the far 3 and 4.
  Table t({Column::from_floats("x", {1.0, 1.1, 0.9, 10.0, 11.0}),
           Column::from_floats("y", {NAN, 2.0, 4.0, 100.0, 200.0})});
  StepReport r = fill_missing(t, {.strategy = FillStrategy::Knn, .knn_neighbors = 2});
  EXPECT_DOUBLE_EQ(t["y"].number(0), 3.0);
  EXPECT_EQ(r.changes.size(), 1u);
  // A row that shares no present feature with any donor gets the column mean.
  Table u({Column::from_floats("x", {NAN, 1.0, 2.0}), Column::from_floats("y", {NAN, 10.0, 20.0}),
           Column::from_floats("z", {5.0, NAN, NAN})});
  StepReport ru = fill_missing(u, {.strategy = FillStrategy::Knn, .columns = {"x", "y"}});
  EXPECT_DOUBLE_EQ(u["x"].number(0), 1.5);
  EXPECT_DOUBLE_EQ(u["y"].number(0), 15.0);
  EXPECT_FALSE(ru.notes.empty());
}

TEST(FillMissingTest, MissingIndicators) {
  Table t = gaps();
  StepReport r = add_missing_indicators(t, {"x", "s"});
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"x", "x_missing", "n", "c", "s", "s_missing"}));
  EXPECT_EQ(t["x_missing"].to_doubles(), (std::vector<double>{1, 0, 1, 1, 0, 1}));
  EXPECT_EQ(r.added_columns, (std::vector<std::string>{"x_missing", "s_missing"}));
  EXPECT_EQ(r.changes[0].count, 4);
  Table u = gaps();
  StepReport f = fill_missing(u, {.strategy = FillStrategy::Median, .add_indicator = true});
  EXPECT_TRUE(u.has_column("x_missing"));
  EXPECT_TRUE(u.has_column("n_missing"));
  EXPECT_FALSE(u.has_column("c_missing"));  // median does not fill categories
  EXPECT_EQ(u["x"].missing_count(), 0);
  EXPECT_EQ(f.added_columns.size(), 2u);
  Table all = gaps();
  add_missing_indicators(all);
  EXPECT_EQ(all.num_columns(), 8);
  EXPECT_ERROR_CONTAINS(add_missing_indicators(all, {"zz"}), "add_missing_indicators: no column 'zz'");
}

TEST(FillMissingTest, StrategyNamesAndErrors) {
  for (auto s :
       {FillStrategy::Mean, FillStrategy::Median, FillStrategy::Mode, FillStrategy::Constant,
        FillStrategy::Forward, FillStrategy::Backward, FillStrategy::Interpolate, FillStrategy::Knn}) {
    EXPECT_EQ(parse_fill_strategy(to_string(s)), s);
  }
  EXPECT_EQ(parse_fill_strategy("most_frequent"), FillStrategy::Mode);
  EXPECT_ERROR_CONTAINS(parse_fill_strategy("average"), "parse_fill_strategy", "'average'");
  Table t = gaps();
  EXPECT_ERROR_CONTAINS(fill_missing(t, {.strategy = FillStrategy::Mean, .columns = {"c"}}),
                        "fill_missing: strategy mean needs int or float columns", "'c' is category");
  EXPECT_ERROR_CONTAINS(fill_missing(t, {.columns = {"q"}}), "fill_missing: no column 'q'");
  EXPECT_ERROR_CONTAINS(fill_missing(t, {.strategy = FillStrategy::Knn, .knn_neighbors = 0}),
                        "knn_neighbors");
}

}  // namespace
}  // namespace strata::data::table
