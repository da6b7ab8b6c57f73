#include "strata/data/table/duplicates.h"

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

Table people() {
  return Table({Column::from_ints("id", {1, 2, 1, 3, 1}),
                Column::from_strings("name", {"ann", "bob", "ann", "cy", "ann"}),
                Column::from_floats("score", {0.5, NAN, 0.5, -0.0, 0.75})});
}

TEST(DuplicatesTest, FlagsLaterCopiesByDefault) {
  EXPECT_EQ(duplicated(people()), (std::vector<uint8_t>{0, 0, 1, 0, 0}));
  EXPECT_EQ(duplicated(people(), {.keep = Keep::Last}), (std::vector<uint8_t>{1, 0, 0, 0, 0}));
  EXPECT_EQ(duplicated(people(), {.keep = Keep::None}), (std::vector<uint8_t>{1, 0, 1, 0, 0}));
  EXPECT_EQ(duplicated(people(), {.subset = {"id"}}), (std::vector<uint8_t>{0, 0, 1, 0, 1}));
}

TEST(DuplicatesTest, MissingEqualsMissingAndSignedZerosAreEqual) {
  Table t({Column::from_floats("x", {NAN, NAN, 0.0, -0.0, 1.0}),
           Column::from_categories("c", {"a", "a", "b", "b", "b"})});
  EXPECT_EQ(duplicated(t), (std::vector<uint8_t>{0, 1, 0, 1, 0}));
}

TEST(DuplicatesTest, DropReportsRemovedRows) {
  Table t = people();
  StepReport r = drop_duplicates(t, {.subset = {"id", "name"}});
  EXPECT_EQ(t.num_rows(), 3);
  EXPECT_EQ(t["id"].to_doubles(), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(r.removed_rows, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(r.rows_before, 5);
  EXPECT_EQ(r.rows_after, 3);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].count, 2);
  EXPECT_NE(r.description.find("id, name"), std::string::npos);
  // Nothing to drop: the table and the report say so.
  StepReport again = drop_duplicates(t);
  EXPECT_TRUE(again.removed_rows.empty());
  EXPECT_EQ(again.markdown().find("No values changed") != std::string::npos, true);
}

TEST(DuplicatesTest, UnknownSubsetColumn) {
  Table t = people();
  EXPECT_ERROR_CONTAINS(drop_duplicates(t, {.subset = {"nope"}}), "duplicated: no column 'nope'",
                        "id, name, score");
}

}  // namespace
}  // namespace strata::data::table
