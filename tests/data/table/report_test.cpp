#include "strata/data/table/report.h"

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

StepReport sample() {
  StepReport r;
  r.step = "fill_missing (median)";
  r.description = "Filled missing values by median.";
  r.rows_before = r.rows_after = 10;
  r.columns_before = r.columns_after = 3;
  r.changes = {{"age", "filled", 4, "median 28"}, {"fare|x", "filled", 1, "median 14.45"}};
  r.notes = {"column 'n' became float"};
  return r;
}

TEST(ReportTest, MarkdownSectionListsChanges) {
  const std::string md = sample().markdown();
  EXPECT_NE(md.find("## fill_missing (median)"), std::string::npos) << md;
  EXPECT_NE(md.find("- rows: 10 -> 10"), std::string::npos) << md;
  EXPECT_NE(md.find("| age | filled | 4 | median 28 |"), std::string::npos) << md;
  EXPECT_NE(md.find("fare\\|x"), std::string::npos) << md;  // pipes escaped inside table cells
  EXPECT_NE(md.find("- column 'n' became float"), std::string::npos) << md;
  EXPECT_EQ(sample().cells_changed(), 5);
}

TEST(ReportTest, RemovedRowsAreListedUpToALimit) {
  StepReport r;
  r.step = "drop_duplicates";
  r.rows_before = 40;
  r.rows_after = 15;
  for (int64_t i = 0; i < 25; ++i) r.removed_rows.push_back(i);
  r.removed_columns = {"cabin"};
  r.added_columns = {"outlier"};
  const std::string md = r.markdown();
  EXPECT_NE(md.find("(25 removed)"), std::string::npos) << md;
  EXPECT_NE(md.find("0, 1, 2"), std::string::npos) << md;
  EXPECT_NE(md.find("19, ..."), std::string::npos) << md;
  EXPECT_NE(md.find("removed columns: cabin"), std::string::npos) << md;
  EXPECT_NE(md.find("added columns: outlier"), std::string::npos) << md;
  EXPECT_NE(md.find("No values changed"), std::string::npos) << md;
}

TEST(ReportTest, WholeReportSummarisesEverySteps) {
  StepReport first = sample();
  first.rows_before = 12;
  StepReport second;
  second.step = "outliers (iqr: clip)";
  second.rows_before = second.rows_after = 10;
  second.columns_before = 3;
  second.columns_after = 4;
  const std::string md = report_markdown({first, second}, "Titanic");
  EXPECT_EQ(md.rfind("# Titanic\n", 0), 0u) << md;
  EXPECT_NE(md.find("Input: 12 rows x 3 columns. Output: 10 rows x 4 columns."), std::string::npos) << md;
  EXPECT_NE(md.find("1. fill_missing (median): 5 cells changed"), std::string::npos) << md;
  EXPECT_NE(md.find("2. outliers (iqr: clip)"), std::string::npos) << md;
  EXPECT_LT(md.find("## fill_missing"), md.find("## outliers"));
}

}  // namespace
}  // namespace strata::data::table
