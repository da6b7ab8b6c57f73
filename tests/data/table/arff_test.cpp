#include "strata/data/table/arff.h"

#include <zlib.h>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

using testing::TempDir;

constexpr const char* kWeather =
    "% The weather data, with a few twists\n"
    "@RELATION weather\n"
    "\n"
    "@attribute outlook {sunny, overcast, 'rainy day'}\n"
    "@attribute temperature REAL\n"
    "@attribute humidity integer\n"
    "@attribute 'wind speed' numeric\n"
    "@attribute note string\n"
    "@attribute when date \"yyyy-MM-dd\"\n"
    "@attribute play {yes,no}\n"
    "@data\n"
    "sunny,85.5,85,3.2,'hot day',2024-01-02,no\n"
    "overcast, 83 ,?,?,\"quoted, with comma\",?,yes\n"
    "'rainy day',70,96,1e1,'O\\'Brien',2024-01-04,yes\n"
    "% a comment between rows\n"
    "sunny,?,70,0,?,2024-01-05,?\n";

TEST(ArffTest, ReadsEveryAttributeType) {
  Table t = parse_arff(kWeather, {}, "weather.arff");
  ASSERT_EQ(t.num_rows(), 4);
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"outlook", "temperature", "humidity", "wind speed",
                                                        "note", "when", "play"}));
  const Column& outlook = t["outlook"];
  EXPECT_EQ(outlook.type(), ColumnType::Category);
  EXPECT_EQ(outlook.levels(),
            (std::vector<std::string>{"sunny", "overcast", "rainy day"}));  // declared order
  EXPECT_EQ(outlook.int_at(2), 2);
  EXPECT_EQ(t["temperature"].type(), ColumnType::Float);
  EXPECT_EQ(t["temperature"].number(1), 83.0);
  EXPECT_TRUE(t["temperature"].is_missing(3));
  EXPECT_EQ(t["humidity"].type(), ColumnType::Int);
  EXPECT_TRUE(t["humidity"].is_missing(1));
  EXPECT_EQ(t["wind speed"].number(2), 10.0);
  EXPECT_EQ(t["note"].type(), ColumnType::String);
  EXPECT_EQ(t["note"].str(1), "quoted, with comma");
  EXPECT_EQ(t["note"].str(2), "O'Brien");
  EXPECT_EQ(t["when"].type(), ColumnType::String);  // dates keep their text
  EXPECT_EQ(t["when"].str(0), "2024-01-02");
  EXPECT_TRUE(t["play"].is_missing(3));
  EXPECT_EQ(t["play"].str(0), "no");
}

TEST(ArffTest, TypeOverridesCastAfterReading) {
  Table t = parse_arff("@relation r\n@attribute y {0,1}\n@attribute x numeric\n@data\n1,2\n0,3\n",
                       {.types = {{"y", ColumnType::Int}, {"x", ColumnType::Int}}});
  EXPECT_EQ(t["y"].type(), ColumnType::Int);
  EXPECT_EQ(t["y"].int_at(0), 1);
  EXPECT_EQ(t["x"].int_at(1), 3);
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@attribute x numeric\n@data\n1.5\n",
                                   {.types = {{"x", ColumnType::Int}}}, "o.arff"),
                        "read_arff: o.arff", "attribute 1 ('x')", "1.5");
  EXPECT_ERROR_CONTAINS(
      parse_arff("@relation r\n@attribute x numeric\n@data\n1\n", {.types = {{"z", ColumnType::Int}}}), "'z'",
      "no such attribute");
}

TEST(ArffErrorTest, UnknownAttributeType) {
  EXPECT_ERROR_CONTAINS(
      parse_arff("@relation r\n@attribute a numeric\n@attribute b decimal\n@data\n1,2\n", {}, "u.arff"),
      "read_arff: u.arff: line 3, column 14", "unknown attribute type 'decimal'", "'b'");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@attribute bag relational\n@data\n", {}, "u.arff"), "line 2",
                        "relational attributes are not supported");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@attribute a\n@data\n", {}, "u.arff"), "line 2",
                        "has no type");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@attribute a {x,y\n@data\n", {}, "u.arff"), "line 2",
                        "unbalanced brace");
}

TEST(ArffErrorTest, BadRows) {
  const std::string head = "@relation r\n@attribute a numeric\n@attribute b {p,q}\n@data\n";
  EXPECT_ERROR_CONTAINS(parse_arff(head + "1,p\nx1,q\n", {}, "b.arff"), "read_arff: b.arff: line 6, column 1",
                        "attribute 1 ('a')", "cannot parse 'x1' as a number");
  EXPECT_ERROR_CONTAINS(parse_arff(head + "1,r\n", {}, "b.arff"), "line 5, column 3",
                        "'r' is not one of the declared values {p,q}");
  EXPECT_ERROR_CONTAINS(parse_arff(head + "1\n", {}, "b.arff"), "line 5", "1 values but 2 attributes",
                        "'b' is missing");
  EXPECT_ERROR_CONTAINS(parse_arff(head + "1,p,3\n", {}, "b.arff"), "line 5, column 5",
                        "3 values but 2 attributes");
  EXPECT_ERROR_CONTAINS(parse_arff(head + "1,'p\n", {}, "b.arff"), "line 5, column 3", "unbalanced quote");
  EXPECT_ERROR_CONTAINS(parse_arff(head + "{0 1, 1 q}\n", {}, "b.arff"), "line 5, column 1", "sparse ARFF");
}

TEST(ArffErrorTest, StructureErrors) {
  EXPECT_ERROR_CONTAINS(parse_arff("", {}, "e.arff"), "read_arff: e.arff: line 1, column 1", "empty");
  EXPECT_ERROR_CONTAINS(parse_arff("% only a comment\n\n", {}, "e.arff"), "empty");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@attribute a numeric\n", {}, "e.arff"), "no @data section");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\n@data\n", {}, "e.arff"), "line 2", "before any @attribute");
  EXPECT_ERROR_CONTAINS(
      parse_arff("@relation r\n@attribute a numeric\n@attribute a real\n@data\n", {}, "e.arff"), "line 3",
      "declared twice");
  EXPECT_ERROR_CONTAINS(parse_arff("@relation r\nattribute a numeric\n", {}, "e.arff"), "line 2, column 1",
                        "expected @relation, @attribute or @data");
}

TEST(ArffFileTest, ReadsGzipFilesAndReportsMissingOnes) {
  TempDir dir;
  const std::string path = dir.file("w.arff.gz");
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, kWeather, static_cast<unsigned>(std::string(kWeather).size()));
  gzclose(f);
  EXPECT_EQ(read_arff(path).num_rows(), 4);
  EXPECT_EQ(read_arff(dir.write("w.arff", kWeather)).num_rows(), 4);
  EXPECT_ERROR_CONTAINS(read_arff(dir.file("none.arff")), "read_arff: cannot open", "none.arff");
}

}  // namespace
}  // namespace strata::data::table
