#include "strata/data/table/table.h"

#include <cmath>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

Table sample() {
  return Table({Column::from_ints("n", {3, 1, 2, 5}, {0, 0, 1, 0}),
                Column::from_floats("x", {0.5, NAN, 2.25, -1.0}),
                Column::from_bools("b", {true, false, true, true}),
                Column::from_categories("c", {"lo", "hi", "lo", ""}, {0, 0, 0, 1}),
                Column::from_strings("s", {"a", "b", "c", "d"})});
}

TEST(ColumnTest, FactoriesKeepValuesAndMissingMask) {
  Table t = sample();
  EXPECT_EQ(t.num_rows(), 4);
  EXPECT_EQ(t.num_columns(), 5);
  const Column& n = t["n"];
  EXPECT_EQ(n.type(), ColumnType::Int);
  EXPECT_EQ(n.int_at(0), 3);
  EXPECT_TRUE(n.is_missing(2));
  EXPECT_TRUE(std::isnan(n.number(2)));
  EXPECT_EQ(n.missing_count(), 1);
  EXPECT_TRUE(t["x"].is_missing(1));  // NaN counts as missing
  EXPECT_EQ(t["x"].number(2), 2.25);
  EXPECT_EQ(t["b"].text(1), "false");
  const Column& c = t["c"];
  EXPECT_EQ(c.levels(), (std::vector<std::string>{"hi", "lo"}));  // sorted distinct values
  EXPECT_EQ(c.int_at(0), 1);
  EXPECT_EQ(c.str(1), "hi");
  EXPECT_EQ(c.text(3), "");
  EXPECT_EQ(t["s"].str(3), "d");
  EXPECT_TRUE(t["n"].is_numeric());
  EXPECT_FALSE(t["c"].is_numeric());
}

TEST(ColumnTest, TextUsesShortestRoundTripForms) {
  Column f = Column::from_floats("f", {0.1, 1e21, 3.0, -2.5e-7});
  EXPECT_EQ(f.text(0), "0.1");
  EXPECT_EQ(f.text(1), "1e+21");
  EXPECT_EQ(f.text(2), "3");
  EXPECT_EQ(std::stod(f.text(3)), -2.5e-7);
}

TEST(ColumnTest, WritesAndLevels) {
  Column c = Column::from_categories("c", {"a", "b"});
  c.set_str(0, "z");  // new level appended
  EXPECT_EQ(c.levels(), (std::vector<std::string>{"a", "b", "z"}));
  EXPECT_EQ(c.int_at(0), 2);
  c.set_missing(1);
  EXPECT_TRUE(c.is_missing(1));
  c.set_number(1, 0);
  EXPECT_EQ(c.str(1), "a");
  Column i = Column::from_ints("i", {1, 2});
  i.set_number(0, NAN);
  EXPECT_TRUE(i.is_missing(0));
  EXPECT_ERROR_CONTAINS(i.set_number(1, 2.5), "Column::set_number", "'i'", "2.5");
  EXPECT_ERROR_CONTAINS(c.set_number(0, 7), "not a valid code", "3 levels");
  EXPECT_ERROR_CONTAINS(i.set_str(0, "x"), "Column::set_str", "int");
  EXPECT_ERROR_CONTAINS(Column::from_strings("s", {"q"}).number(0), "holds strings");
}

TEST(ColumnTest, TakeAppendAndSetFrom) {
  Column c = Column::from_categories("c", {"x", "y", "x"});
  Column t = c.take({2, 2, 1});
  EXPECT_EQ(t.text(0), "x");
  EXPECT_EQ(t.text(2), "y");
  Column other = Column::from_categories("c", {"w", "y"});
  t.append(other);  // levels merged by text
  ASSERT_EQ(t.size(), 5);
  EXPECT_EQ(t.text(3), "w");
  EXPECT_EQ(t.text(4), "y");
  Column s = Column::from_strings("s", {"p", "q"});
  EXPECT_ERROR_CONTAINS(t.append(s), "Column::append", "category", "string");
  EXPECT_ERROR_CONTAINS(c.take({3}), "Column::take", "row 3", "3 rows");
  Column d = Column::from_categories("d", {"k"}, {}, {"k", "x"});
  d.set_from(0, c, 1);
  EXPECT_EQ(d.text(0), "y");
}

TEST(ColumnTest, CastBetweenTypes) {
  Column s = Column::from_strings("s", {"1", " 2 ", "", "4"}, {0, 0, 1, 0});
  Column i = s.cast(ColumnType::Int);
  EXPECT_EQ(i.type(), ColumnType::Int);
  EXPECT_EQ(i.int_at(1), 2);
  EXPECT_TRUE(i.is_missing(2));
  Column f = i.cast(ColumnType::Float);
  EXPECT_EQ(f.number(3), 4.0);
  EXPECT_EQ(f.cast(ColumnType::Int), i);
  // Numbers become categories in numeric order, not text order.
  Column cat = Column::from_ints("k", {10, 9, 100}).cast(ColumnType::Category);
  EXPECT_EQ(cat.levels(), (std::vector<std::string>{"9", "10", "100"}));
  Column b = Column::from_strings("b", {"true", "False", "1"}).cast(ColumnType::Bool);
  EXPECT_EQ(b.text(0), "true");
  EXPECT_EQ(b.text(1), "false");
  EXPECT_EQ(b.text(2), "true");
  EXPECT_EQ(Column::from_floats("x", {1.5}).cast(ColumnType::String).str(0), "1.5");
  EXPECT_ERROR_CONTAINS(Column::from_floats("x", {1.0, 1.5}).cast(ColumnType::Int), "Column::cast", "'x'",
                        "row 1", "1.5", "float to int");
  EXPECT_ERROR_CONTAINS(Column::from_strings("s", {"abc"}).cast(ColumnType::Float), "row 0", "'abc'");
}

TEST(ColumnTest, TypeNamesRoundTrip) {
  for (ColumnType t :
       {ColumnType::Int, ColumnType::Float, ColumnType::Bool, ColumnType::Category, ColumnType::String}) {
    EXPECT_EQ(parse_column_type(to_string(t)), t);
  }
  EXPECT_EQ(parse_column_type("Numeric"), ColumnType::Float);
  EXPECT_ERROR_CONTAINS(parse_column_type("decimal"), "parse_column_type", "'decimal'");
}

TEST(TableTest, ColumnManagement) {
  Table t = sample();
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"n", "x", "b", "c", "s"}));
  EXPECT_EQ(t.column_index("c"), 3);
  EXPECT_ERROR_CONTAINS(t.column("missing"), "no column 'missing'", "n, x, b, c, s");
  EXPECT_ERROR_CONTAINS(t.add_column(Column::from_ints("n", {1, 2, 3, 4})), "already exists");
  EXPECT_ERROR_CONTAINS(t.add_column(Column::from_ints("m", {1})), "'m' has 1 rows", "has 4");
  t.insert_column(0, Column::from_ints("first", {0, 0, 0, 0}));
  EXPECT_EQ(t.column_names().front(), "first");
  t.replace_column("first", Column::from_floats("renamed", {1, 2, 3, 4}));
  EXPECT_EQ(t.column(0).name(), "renamed");
  t.drop_column("renamed");
  EXPECT_EQ(t.num_columns(), 5);
  EXPECT_EQ(t.select({"s", "n"}).column_names(), (std::vector<std::string>{"s", "n"}));
  EXPECT_EQ(t.drop({"x", "b"}).column_names(), (std::vector<std::string>{"n", "c", "s"}));
  EXPECT_EQ(t.columns_of_type({ColumnType::Int, ColumnType::Float}), (std::vector<std::string>{"n", "x"}));
}

TEST(TableTest, RowsTakeHeadAppend) {
  Table t = sample();
  Table r = t.take({3, 0});
  EXPECT_EQ(r.num_rows(), 2);
  EXPECT_EQ(r["s"].str(0), "d");
  EXPECT_EQ(t.head(2).num_rows(), 2);
  Table a = t.head(1);
  a.append_rows(t.take({1}));
  EXPECT_EQ(a.num_rows(), 2);
  EXPECT_EQ(a["s"].str(1), "b");
  EXPECT_TRUE(a == t.head(2));
  EXPECT_ERROR_CONTAINS(a.append_rows(t.select({"n"})), "Table::append_rows", "different columns");
}

TEST(TableTest, PrintsAlignedText) {
  const std::string s = sample().to_string(2);
  EXPECT_NE(s.find("n  x"), std::string::npos) << s;
  EXPECT_NE(s.find("... (4 rows x 5 columns)"), std::string::npos) << s;
  const std::string all = sample().to_string();
  EXPECT_NE(all.find("NA"), std::string::npos) << all;
}

TEST(DescribeTest, HandComputedValues) {
  // x: 1, 2, 3, 4, NA -> mean 2.5, std sqrt(5/3), quartiles 1.75 / 2.5 / 3.25.
  Table t({Column::from_floats("x", {4, 1, NAN, 3, 2}),
           Column::from_categories("c", {"b", "a", "b", "a", "a"}, {0, 0, 0, 0, 1})});
  Description d = describe(t);
  const ColumnSummary& x = d["x"];
  EXPECT_EQ(x.count, 4);
  EXPECT_EQ(x.missing, 1);
  EXPECT_DOUBLE_EQ(x.mean, 2.5);
  EXPECT_DOUBLE_EQ(x.std, std::sqrt(5.0 / 3.0));
  EXPECT_EQ(x.min, 1);
  EXPECT_DOUBLE_EQ(x.q25, 1.75);
  EXPECT_DOUBLE_EQ(x.median, 2.5);
  EXPECT_DOUBLE_EQ(x.q75, 3.25);
  EXPECT_EQ(x.max, 4);
  EXPECT_EQ(x.distinct, 4);
  const ColumnSummary& c = d["c"];
  EXPECT_EQ(c.count, 4);
  EXPECT_EQ(c.distinct, 2);
  EXPECT_EQ(c.top, "b");  // 2 each: the first seen wins
  EXPECT_EQ(c.freq, 2);
  EXPECT_TRUE(std::isnan(c.mean));
  Table dt = d.to_table();
  EXPECT_EQ(dt.num_rows(), 2);
  EXPECT_EQ(dt["25%"].number(0), 1.75);
  EXPECT_NE(d.to_string().find("category"), std::string::npos);
  EXPECT_ERROR_CONTAINS(d["nope"], "no column 'nope'");
}

}  // namespace
}  // namespace strata::data::table
