#include "strata/data/table/csv.h"

#include <zlib.h>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

using testing::TempDir;

TEST(CsvReadTest, InfersTypesAndMissingValues) {
  Table t = parse_csv(
      "i,f,b,c,s\n"
      "1,1.5,true,x,alpha\n"
      "2,NA,False,y,beta\n"
      ",2,TRUE,x,gamma\n"
      "4,-3e2,false,?,delta\n"
      "5,0,true,y,epsilon\n");
  ASSERT_EQ(t.num_rows(), 5);
  EXPECT_EQ(t["i"].type(), ColumnType::Int);
  EXPECT_EQ(t["f"].type(), ColumnType::Float);
  EXPECT_EQ(t["b"].type(), ColumnType::Bool);
  EXPECT_EQ(t["c"].type(), ColumnType::Category);  // 2 distinct values among 4
  EXPECT_EQ(t["s"].type(), ColumnType::String);    // all distinct
  EXPECT_TRUE(t["i"].is_missing(2));               // empty field
  EXPECT_TRUE(t["f"].is_missing(1));               // NA
  EXPECT_TRUE(t["c"].is_missing(3));               // ?
  EXPECT_EQ(t["f"].number(3), -300.0);
  EXPECT_EQ(t["b"].text(1), "false");
  EXPECT_EQ(t["c"].levels(), (std::vector<std::string>{"x", "y"}));
}

TEST(CsvReadTest, Rfc4180QuotingWithEmbeddedNewlinesAndDoubledQuotes) {
  Table t = parse_csv(
      "name,note\r\n"
      "\"Smith, J\",\"said \"\"hi\"\"\"\r\n"
      "plain,\"two\nlines\"\r\n"
      "\"\",\"NA\"\r\n");
  ASSERT_EQ(t.num_rows(), 3);
  EXPECT_EQ(t["name"].str(0), "Smith, J");
  EXPECT_EQ(t["note"].str(0), "said \"hi\"");
  EXPECT_EQ(t["note"].str(1), "two\nlines");
  // Quoted fields are text, never NA tokens.
  EXPECT_FALSE(t["name"].is_missing(2));
  EXPECT_EQ(t["name"].str(2), "");
  EXPECT_EQ(t["note"].str(2), "NA");
}

TEST(CsvReadTest, LineNumbersCountEmbeddedNewlines) {
  // The ragged row starts on line 4 because the quoted field spans lines 2-3.
  EXPECT_ERROR_CONTAINS(parse_csv("a,b\n\"x\ny\",1\n2\n", {}, "f.csv"), "read_csv: f.csv: line 4, column 2",
                        "1 fields", "header has 2", "'b' is missing");
}

TEST(CsvReadTest, DetectsDelimiters) {
  EXPECT_EQ(parse_csv("a;b;c\n1;2;3\n4;5;6\n").num_columns(), 3);
  EXPECT_EQ(parse_csv("a\tb\n1\t2\n").column_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse_csv("a|b\n1|2\n").num_columns(), 2);
  // Commas inside quotes do not count.
  Table t = parse_csv("\"x,y\";z\n\"1,5\";2\n");
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"x,y", "z"}));
  // A .tsv source is tab-separated even when commas are more common.
  Table tsv = parse_csv("a,b\tc\n1,2\t3\n", {}, "data.tsv");
  EXPECT_EQ(tsv.column_names(), (std::vector<std::string>{"a,b", "c"}));
  // An explicit delimiter wins.
  EXPECT_EQ(parse_csv("a;b,c\n1;2,3\n", {.delimiter = ','}).column_names(),
            (std::vector<std::string>{"a;b", "c"}));
}

TEST(CsvReadTest, HeaderlessNamesOverridesAndNaTokens) {
  Table t = parse_csv("1,x\n2,y\n3,x\n", {.header = false});
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"column_0", "column_1"}));
  EXPECT_EQ(t.num_rows(), 3);
  Table named = parse_csv("1,x\n2,y\n", {.header = false, .names = {"id", "tag"}});
  EXPECT_EQ(named.column_names(), (std::vector<std::string>{"id", "tag"}));
  Table typed = parse_csv("id,code\n1,007\n2,010\n",
                          {.types = {{"id", ColumnType::Float}, {"code", ColumnType::String}}});
  EXPECT_EQ(typed["id"].type(), ColumnType::Float);
  EXPECT_EQ(typed["code"].str(0), "007");
  Table na = parse_csv("a\n-\n1\nmissing\n", {.na_values = {"-", "missing"}});
  EXPECT_EQ(na["a"].type(), ColumnType::Int);
  EXPECT_EQ(na["a"].missing_count(), 2);
  EXPECT_ERROR_CONTAINS(parse_csv("a\n1\n", {.types = {{"b", ColumnType::Int}}}, "t.csv"), "'b'",
                        "no such column");
}

TEST(CsvReadTest, FixesEmptyAndRepeatedHeaderNames) {
  Table t = parse_csv("a,,a,a\n1,2,3,4\n");
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"a", "column_1", "a.1", "a.2"}));
}

TEST(CsvReadTest, SkipsBlankAndCommentLinesAndBom) {
  Table t = parse_csv("\xEF\xBB\xBFx,y\n\n# note\n1,2\n\n3,4", {.comment = '#'});
  EXPECT_EQ(t.column_names().front(), "x");
  EXPECT_EQ(t.num_rows(), 2);  // no trailing newline needed
  EXPECT_EQ(t["y"].int_at(1), 4);
}

TEST(CsvReadTest, TrimsUnquotedFieldsOnly) {
  Table t = parse_csv("a,b\n 1 , \" x \"\n2,y\n");
  EXPECT_EQ(t["a"].type(), ColumnType::Int);
  EXPECT_EQ(t["b"].str(0), " x ");
  Table raw = parse_csv("a,b\n 1 ,x\n", {.trim = false});
  EXPECT_EQ(raw["a"].type(), ColumnType::Int);  // numbers still parse around spaces
  EXPECT_EQ(parse_csv("s\n p \nq\n", {.trim = false, .max_category_levels = 0})["s"].str(0), " p ");
}

TEST(CsvReadTest, HeaderOnlyGivesEmptyTable) {
  Table t = parse_csv("a,b\n");
  EXPECT_EQ(t.num_rows(), 0);
  EXPECT_EQ(t.num_columns(), 2);
}

TEST(CsvErrorTest, RaggedRows) {
  EXPECT_ERROR_CONTAINS(parse_csv("a,b,c\n1,2,3\n4,5\n", {}, "r.csv"), "read_csv: r.csv: line 3, column 3",
                        "2 fields but the header has 3", "'c' is missing");
  EXPECT_ERROR_CONTAINS(parse_csv("a,b\n1,2\n3,4,5\n", {}, "r.csv"), "line 3, column 3",
                        "3 fields but the header has 2");
}

TEST(CsvErrorTest, UnbalancedQuotes) {
  EXPECT_ERROR_CONTAINS(parse_csv("a,b\n1,\"open\n2,3\n", {}, "q.csv"), "read_csv: q.csv: line 2, column 3",
                        "unbalanced quote");
  EXPECT_ERROR_CONTAINS(parse_csv("a,b\n1,\"x\"y\n", {}, "q.csv"), "line 2, column 6",
                        "after the closing quote");
}

TEST(CsvErrorTest, NonNumericTextInNumericColumn) {
  EXPECT_ERROR_CONTAINS(
      parse_csv("id,age\n1,30\n2,thirty\n", {.types = {{"age", ColumnType::Float}}}, "p.csv"),
      "read_csv: p.csv: line 3, column 2 ('age')", "cannot parse 'thirty' as float");
  EXPECT_ERROR_CONTAINS(parse_csv("n\n1\n2.5\n", {.types = {{"n", ColumnType::Int}}}, "p.csv"),
                        "line 3, column 1 ('n')", "'2.5' as int");
  EXPECT_ERROR_CONTAINS(parse_csv("b\nyes\n", {.types = {{"b", ColumnType::Bool}}}, "p.csv"), "line 2",
                        "'yes' as bool");
  // Without a declared type the column is simply text.
  EXPECT_EQ(parse_csv("age\n30\nthirty\n")["age"].type(), ColumnType::String);
}

TEST(CsvErrorTest, EmptyFileAndUnreadableFile) {
  EXPECT_ERROR_CONTAINS(parse_csv("", {}, "e.csv"), "read_csv: e.csv: line 1, column 1", "empty");
  EXPECT_ERROR_CONTAINS(parse_csv("\n\n", {}, "e.csv"), "empty");
  TempDir dir;
  EXPECT_ERROR_CONTAINS(read_csv(dir.file("none.csv")), "read_csv: cannot open", "none.csv");
  EXPECT_ERROR_CONTAINS(read_csv(dir.write("empty.csv", "")), "empty.csv: line 1, column 1", "empty");
}

TEST(CsvFileTest, ReadsGzipAndTsvFiles) {
  TempDir dir;
  const std::string path = dir.file("t.csv.gz");
  gzFile f = gzopen(path.c_str(), "wb");
  const std::string text = "a,b\n1,x\n2,y\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  Table t = read_csv(path);
  EXPECT_EQ(t.num_rows(), 2);
  EXPECT_EQ(t["b"].str(1), "y");
  Table tsv = read_csv(dir.write("t.tsv", "a b\tc\n1\t2\n"));
  EXPECT_EQ(tsv.column_names(), (std::vector<std::string>{"a b", "c"}));
}

TEST(CsvWriteTest, QuotesWhatNeedsIt) {
  Table t({Column::from_strings("s", {"plain", "a,b", "say \"x\"", "two\nlines", " pad", "NA", ""}),
           Column::from_floats("f", {0.1, NAN, 1e-7, 2, -0.5, 3, 4})});
  const std::string csv = to_csv(t);
  EXPECT_EQ(csv,
            "s,f\n"
            "plain,0.1\n"
            "\"a,b\",\n"
            "\"say \"\"x\"\"\",1e-07\n"
            "\"two\nlines\",2\n"
            "\" pad\",-0.5\n"
            "\"NA\",3\n"
            "\"\",4\n");
  EXPECT_EQ(to_csv(t.head(2), {.delimiter = ';', .header = false, .na_rep = "NA"}), "plain;0.1\na,b;NA\n");
}

TEST(CsvWriteTest, RoundTripsEveryType) {
  Table t({Column::from_ints("i", {1, -2, 3}, {0, 0, 1}), Column::from_floats("f", {0.1, 1.0 / 3.0, NAN}),
           Column::from_bools("b", {true, false, true}), Column::from_categories("c", {"u", "v", "u"}),
           Column::from_strings("s", {"x,y", "NA", "z"}, {0, 0, 1})});
  TempDir dir;
  write_csv(t, dir.file("t.csv"));
  Table back =
      read_csv(dir.file("t.csv"), {.types = {{"c", ColumnType::Category}, {"s", ColumnType::String}}});
  EXPECT_TRUE(back == t) << back << "\nvs\n" << t;
  // A lone missing value is written as NA, not as a blank line a reader would skip.
  Table one({Column::from_floats("x", {1, NAN, 2})});
  EXPECT_EQ(parse_csv(to_csv(one))["x"].missing_count(), 1);
  EXPECT_ERROR_CONTAINS(write_csv(t, dir.file("no/such/dir.csv")), "write_csv: cannot open", "dir.csv");
}

TEST(CsvReadTest, MixedFixtureMatchesPandasTypes) {
  Table t = testing::mixed();
  EXPECT_EQ(t.num_rows(), 40);
  EXPECT_EQ(t["id"].type(), ColumnType::Int);
  EXPECT_EQ(t["a"].type(), ColumnType::Float);
  EXPECT_EQ(t["c"].type(), ColumnType::Int);
  EXPECT_EQ(t["cat"].type(), ColumnType::Category);
  EXPECT_EQ(t["text"].type(), ColumnType::String);
  EXPECT_EQ(t["a"].missing_count(), 5);
}

}  // namespace
}  // namespace strata::data::table
