// drop_duplicates against pandas' DataFrame.duplicated on tests/fixtures/table/dups.csv.
#include "data/table/table_test_util.h"
#include "strata/data/table/csv.h"
#include "strata/data/table/duplicates.h"

namespace strata::data::table {
namespace {

std::vector<uint8_t> expected(const char* key) {
  std::vector<uint8_t> out;
  for (const auto& v : testing::golden()["duplicates"][key]) out.push_back(v.get<bool>());
  return out;
}

TEST(DuplicatesGoldenTest, MatchesPandasDuplicated) {
  Table t = read_csv(testing::fixture("dups.csv"));
  ASSERT_EQ(t.num_rows(), 8);
  EXPECT_EQ(duplicated(t), expected("first"));
  EXPECT_EQ(duplicated(t, {.keep = Keep::Last}), expected("last"));
  EXPECT_EQ(duplicated(t, {.keep = Keep::None}), expected("none"));
  EXPECT_EQ(duplicated(t, {.subset = {"x"}}), expected("subset_x"));
  StepReport r = drop_duplicates(t);
  const auto flags = expected("first");
  EXPECT_EQ(static_cast<size_t>(t.num_rows() + static_cast<int64_t>(r.removed_rows.size())), flags.size());
  for (int64_t row : r.removed_rows) EXPECT_TRUE(flags[static_cast<size_t>(row)]) << row;
}

}  // namespace
}  // namespace strata::data::table
