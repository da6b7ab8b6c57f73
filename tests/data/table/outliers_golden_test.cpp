// Outlier fences, flags and clipping against pandas (mean/std(ddof=0), median/MAD, quantiles, clip) on
// tests/fixtures/table/mixed.csv.
#include "data/table/table_test_util.h"
#include "strata/data/table/outliers.h"

namespace strata::data::table {
namespace {

using testing::golden;
using testing::mixed;

TEST(OutliersGoldenTest, FencesFlagsAndClipsMatchPandas) {
  const std::pair<const char*, OutlierMethod> methods[] = {
      {"zscore", OutlierMethod::ZScore}, {"robust", OutlierMethod::RobustZ}, {"iqr", OutlierMethod::IQR}};
  for (const char* col : {"a", "b", "c"}) {
    for (const auto& [key, method] : methods) {
      SCOPED_TRACE(std::string(col) + " " + key);
      const auto& g = golden()["outliers"][col][key];
      Table t = mixed();
      const Fences f = outlier_fences(t[col], method);
      EXPECT_NEAR(f.lower, g["lower"].get<double>(), 1e-9 * std::max(1.0, std::abs(f.lower)));
      EXPECT_NEAR(f.upper, g["upper"].get<double>(), 1e-9 * std::max(1.0, std::abs(f.upper)));
      const std::vector<uint8_t> flags = detect_outliers(t, {.method = method, .columns = {col}});
      for (size_t i = 0; i < flags.size(); ++i)
        EXPECT_EQ(flags[i] != 0, g["flags"][i].get<bool>()) << "row " << i;
      if (t[col].type() == ColumnType::Float) {
        handle_outliers(t, {.method = method, .action = OutlierAction::Clip, .columns = {col}});
        testing::expect_column_near(t[col], g["clipped"], 1e-12);
      }
    }
  }
}

TEST(OutliersGoldenTest, PlantedOutliersAreFound) {
  Table t = mixed();
  const std::vector<uint8_t> flags =
      detect_outliers(t, {.method = OutlierMethod::IQR, .columns = {"a", "c"}});
  EXPECT_TRUE(flags[5]);   // a = 35
  EXPECT_TRUE(flags[17]);  // a = -12
  EXPECT_TRUE(flags[20]);  // c = 400
}

}  // namespace
}  // namespace strata::data::table
