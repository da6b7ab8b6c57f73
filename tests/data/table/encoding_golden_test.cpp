// Scalers against scikit-learn (StandardScaler, MinMaxScaler, RobustScaler: fitted on rows 0-29 of
// tests/fixtures/table/mixed.csv, applied to rows 30-39) and encoders against pandas comparisons.
#include <numeric>

#include "data/table/table_test_util.h"
#include "strata/data/table/encoding.h"

namespace strata::data::table {
namespace {

using testing::expect_column_near;
using testing::golden;

std::vector<int64_t> range(int64_t lo, int64_t hi) {
  std::vector<int64_t> v(static_cast<size_t>(hi - lo));
  std::iota(v.begin(), v.end(), lo);
  return v;
}

TEST(EncodingGoldenTest, ScalersMatchSklearn) {
  const Table t = testing::mixed();
  const Table train = t.take(range(0, 30)), test = t.take(range(30, 40));
  const std::pair<const char*, EncoderKind> kinds[] = {
      {"standard", EncoderKind::Standard}, {"minmax", EncoderKind::MinMax}, {"robust", EncoderKind::Robust}};
  for (const auto& [key, kind] : kinds) {
    SCOPED_TRACE(key);
    Encoder e(kind, {.columns = {"a", "b", "c"}});
    e.fit(train);
    const Table out = e.transform(test);
    for (const char* col : {"a", "b", "c"})
      expect_column_near(out[col], golden()["encoders"][key][col], 1e-9);
  }
}

TEST(EncodingGoldenTest, OneHotAndOrdinalMatchPandas) {
  const Table t = testing::mixed();
  const Table train = t.take(range(0, 30)), test = t.take(range(30, 40));
  const auto& g = golden()["encoders"];
  Encoder onehot(EncoderKind::OneHot, {.columns = {"cat"}});
  onehot.fit(train);
  EXPECT_EQ(onehot.params()[0].categories, g["categories"].get<std::vector<std::string>>());
  const Table out = onehot.transform(test);
  for (const auto& [name, values] : g["onehot"].items()) expect_column_near(out[name], values);
  Encoder ordinal(EncoderKind::Ordinal, {.columns = {"cat"}});
  ordinal.fit(train);
  expect_column_near(ordinal.transform(test)["cat"], g["ordinal"]);
}

}  // namespace
}  // namespace strata::data::table
