#include "strata/data/table/outliers.h"

#include <cmath>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

// 1..9 and one far value: Q1 = 3.25, Q3 = 7.75 over the ten values.
Table ten() {
  return Table({Column::from_floats("x", {1, 2, 3, 4, 5, 6, 7, 8, 9, 100}),
                Column::from_ints("k", {10, 11, 12, 13, 14, 15, 16, 17, 18, -50}),
                Column::from_strings("s", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"})});
}

TEST(OutlierFencesTest, HandComputed) {
  const Table t = ten();
  const Column& x = t["x"];
  Fences iqr = outlier_fences(x, OutlierMethod::IQR);
  EXPECT_DOUBLE_EQ(iqr.lower, 3.25 - 1.5 * 4.5);
  EXPECT_DOUBLE_EQ(iqr.upper, 7.75 + 1.5 * 4.5);
  Fences k3 = outlier_fences(x, OutlierMethod::IQR, 3.0);
  EXPECT_DOUBLE_EQ(k3.upper, 7.75 + 3 * 4.5);
  // Median 5.5; |x - 5.5| = 4.5 3.5 2.5 1.5 .5 .5 1.5 2.5 3.5 94.5 -> MAD 2.5.
  Fences robust = outlier_fences(x, OutlierMethod::RobustZ);
  EXPECT_DOUBLE_EQ(robust.upper, 5.5 + 3.5 * 2.5 / 0.6745);
  EXPECT_DOUBLE_EQ(robust.lower, 5.5 - 3.5 * 2.5 / 0.6745);
  // Mean 14.5, population std sqrt(mean of squares - 14.5^2).
  double ss = 0;
  for (double v : {1, 2, 3, 4, 5, 6, 7, 8, 9, 100}) ss += (v - 14.5) * (v - 14.5);
  const double sd = std::sqrt(ss / 10);
  Fences z = outlier_fences(x, OutlierMethod::ZScore, 2.0);
  EXPECT_DOUBLE_EQ(z.upper, 14.5 + 2 * sd);
  // A constant column has no outliers.
  Fences flat = outlier_fences(Column::from_floats("f", {2, 2, 2}), OutlierMethod::ZScore);
  EXPECT_TRUE(std::isinf(flat.upper));
  EXPECT_ERROR_CONTAINS(outlier_fences(t["s"], OutlierMethod::IQR), "outlier_fences: column 's' is string");
  EXPECT_ERROR_CONTAINS(outlier_fences(x, OutlierMethod::IsolationForest), "no per-column fences");
  EXPECT_ERROR_CONTAINS(outlier_fences(x, OutlierMethod::IQR, -1.0), "threshold must be positive");
}

TEST(HandleOutliersTest, FlagAddsABoolColumn) {
  Table t = ten();
  StepReport r = handle_outliers(t, {.method = OutlierMethod::IQR});
  ASSERT_TRUE(t.has_column("outlier"));
  EXPECT_EQ(t["outlier"].type(), ColumnType::Bool);
  EXPECT_EQ(t["outlier"].to_doubles(), (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(r.added_columns, (std::vector<std::string>{"outlier"}));
  ASSERT_EQ(r.changes.size(), 2u);  // x's 100 and k's -50
  EXPECT_EQ(r.changes[0].action, "flagged");
  EXPECT_NE(r.changes[0].detail.find("fences"), std::string::npos);
  // Flagging again ORs into the existing column.
  Table u = ten();
  handle_outliers(u, {.columns = {"x"}, .flag_column = "odd"});
  u.column("x").set_number(0, -1000);
  handle_outliers(u, {.columns = {"x"}, .flag_column = "odd"});
  EXPECT_EQ(u["odd"].int_at(9), 1);
  EXPECT_EQ(u["odd"].int_at(0), 1);
}

TEST(HandleOutliersTest, DropRemovesRows) {
  Table t = ten();
  StepReport r =
      handle_outliers(t, {.method = OutlierMethod::RobustZ, .action = OutlierAction::Drop, .columns = {"x"}});
  EXPECT_EQ(t.num_rows(), 9);
  EXPECT_EQ(r.removed_rows, (std::vector<int64_t>{9}));
  EXPECT_FALSE(t.has_column("outlier"));
}

TEST(HandleOutliersTest, ClipWinsorisesToTheFencesAndKeepsIntsIntegral) {
  Table t = ten();
  StepReport r = handle_outliers(t, {.method = OutlierMethod::IQR, .action = OutlierAction::Clip});
  EXPECT_DOUBLE_EQ(t["x"].number(9), 7.75 + 1.5 * 4.5);
  EXPECT_EQ(t["x"].number(0), 1);  // inside the fences: untouched
  // k sorted: -50, 10..18 -> Q1 = 11.25, Q3 = 15.75, lower fence 4.5: -50 is clipped up to 5.
  EXPECT_EQ(t["k"].type(), ColumnType::Int);
  const Fences f = outlier_fences(ten()["k"], OutlierMethod::IQR);
  EXPECT_EQ(t["k"].int_at(9), static_cast<int64_t>(std::ceil(f.lower)));
  EXPECT_EQ(r.rows_after, 10);
  EXPECT_EQ(r.changes[0].action, "clipped");
  EXPECT_ERROR_CONTAINS(
      handle_outliers(t, {.method = OutlierMethod::IsolationForest, .action = OutlierAction::Clip}),
      "clip is not defined for Isolation Forest");
}

TEST(HandleOutliersTest, MissingValuesAreNeitherOutliersNorFilled) {
  Table t({Column::from_floats("x", {1, 2, NAN, 3, 2, 1, 50})});
  handle_outliers(t, {.action = OutlierAction::Clip});
  EXPECT_TRUE(t["x"].is_missing(2));
  EXPECT_LT(t["x"].number(6), 50);
}

TEST(HandleOutliersTest, IsolationForestFlagsPlantedRows) {
  // A tight grid and two far points.
  std::vector<double> u, v;
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 10; ++j) {
      u.push_back(i * 0.1);
      v.push_back(j * 0.1);
    }
  }
  u.push_back(8);
  v.push_back(8);
  u.push_back(-7);
  v.push_back(0.5);
  Table t({Column::from_floats("u", u), Column::from_floats("v", v)});
  StepReport r = handle_outliers(
      t, {.method = OutlierMethod::IsolationForest, .action = OutlierAction::Drop, .seed = 3});
  EXPECT_EQ(r.removed_rows, (std::vector<int64_t>{100, 101}));
  Table c = Table({Column::from_floats("u", u), Column::from_floats("v", v)});
  handle_outliers(c, {.method = OutlierMethod::IsolationForest, .contamination = 0.01, .seed = 3});
  EXPECT_EQ(c["outlier"].int_at(100) + c["outlier"].int_at(101), 2);  // ceil(0.01 * 102) = 2 rows
  int64_t flagged = 0;
  for (int64_t i = 0; i < c.num_rows(); ++i) flagged += c["outlier"].int_at(i);
  EXPECT_EQ(flagged, 2);
  const std::vector<double> s1 = isolation_forest_scores(c, {"u", "v"}, {.seed = 3});
  const std::vector<double> s2 = isolation_forest_scores(c, {"u", "v"}, {.seed = 3});
  EXPECT_EQ(s1, s2);  // seeded
}

TEST(OutlierSpecTest, ParsesNames) {
  auto [m, a] = parse_outlier_spec("iqr:clip");
  EXPECT_EQ(m, OutlierMethod::IQR);
  EXPECT_EQ(a, OutlierAction::Clip);
  EXPECT_EQ(parse_outlier_spec("zscore").second, OutlierAction::Flag);
  EXPECT_EQ(parse_outlier_spec("mad:drop").first, OutlierMethod::RobustZ);
  EXPECT_EQ(parse_outlier_method("isolation_forest"), OutlierMethod::IsolationForest);
  for (auto method :
       {OutlierMethod::ZScore, OutlierMethod::RobustZ, OutlierMethod::IQR, OutlierMethod::IsolationForest}) {
    EXPECT_EQ(parse_outlier_method(to_string(method)), method);
  }
  for (auto action : {OutlierAction::Flag, OutlierAction::Drop, OutlierAction::Clip}) {
    EXPECT_EQ(parse_outlier_action(to_string(action)), action);
  }
  EXPECT_ERROR_CONTAINS(parse_outlier_spec("iqr:shave"), "parse_outlier_action", "'shave'");
  EXPECT_ERROR_CONTAINS(parse_outlier_spec("lof"), "parse_outlier_method", "'lof'");
  Table t = ten();
  EXPECT_ERROR_CONTAINS(handle_outliers(t, {.columns = {"s"}}), "handle_outliers: column 's' is string");
  EXPECT_ERROR_CONTAINS(detect_outliers(t, {.columns = {"zz"}}), "detect_outliers: no column 'zz'");
}

}  // namespace
}  // namespace strata::data::table
