// describe() against pandas' DataFrame.describe on tests/fixtures/table/mixed.csv.
#include "data/table/table_test_util.h"
#include "strata/data/table/table.h"

namespace strata::data::table {
namespace {

TEST(DescribeGoldenTest, MatchesPandas) {
  Table t = testing::mixed();
  Description d = describe(t);
  const auto& g = testing::golden()["describe"];
  for (const auto& name : t.column_names()) {
    SCOPED_TRACE(name);
    const ColumnSummary& s = d[name];
    const auto& e = g.at(name);
    EXPECT_EQ(s.count, e["count"].get<int64_t>());
    EXPECT_EQ(s.missing, e["missing"].get<int64_t>());
    EXPECT_EQ(s.distinct, e["distinct"].get<int64_t>());
    if (e.contains("mean")) {
      const std::pair<const char*, double> stats[] = {{"mean", s.mean}, {"std", s.std},       {"min", s.min},
                                                      {"q25", s.q25},   {"median", s.median}, {"q75", s.q75},
                                                      {"max", s.max}};
      for (const auto& [key, value] : stats) {
        const double want = e[key].get<double>();
        EXPECT_NEAR(value, want, 1e-10 * std::max(1.0, std::abs(want))) << key;
      }
    } else {
      // Ties for the most frequent value may break differently: check that pandas' top is as frequent.
      EXPECT_EQ(s.freq, e["freq"].get<int64_t>());
      int64_t top_count = 0;
      for (int64_t i = 0; i < t.num_rows(); ++i)
        top_count += !t[name].is_missing(i) && t[name].text(i) == e["top"].get<std::string>();
      EXPECT_EQ(top_count, s.freq);
    }
  }
}

}  // namespace
}  // namespace strata::data::table
