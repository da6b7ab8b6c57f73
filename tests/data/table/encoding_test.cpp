#include "strata/data/table/encoding.h"

#include <cmath>

#include "data/table/table_test_util.h"
#include "strata/io/safetensors.h"

namespace strata::data::table {
namespace {

using testing::TempDir;

Table train() {
  return Table({Column::from_floats("x", {1, 2, 3, 4, NAN}), Column::from_ints("n", {10, 20, 30, 40, 50}),
                Column::from_categories("c", {"b", "a", "b", "", "a"}, {0, 0, 0, 1, 0}),
                Column::from_strings("s", {"q", "p", "q", "p", "r"}),
                Column::from_ints("y", {0, 1, 0, 1, 1})});
}

Table test() {
  return Table({Column::from_floats("x", {0, 5}), Column::from_ints("n", {10, 60}),
                Column::from_categories("c", {"a", "z"}), Column::from_strings("s", {"r", "new"}),
                Column::from_ints("y", {1, 0})});
}

TEST(EncoderTest, OneHotUnknownAndMissingAreAllZeros) {
  Encoder e(EncoderKind::OneHot);
  e.fit(train());
  ASSERT_EQ(e.params().size(), 2u);  // c and s: category and string columns by default
  EXPECT_EQ(e.params()[0].categories, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(e.params()[1].categories, (std::vector<std::string>{"p", "q", "r"}));
  StepReport r;
  Table out = e.transform(test(), &r);
  EXPECT_EQ(out.column_names(), (std::vector<std::string>{"x", "n", "c_a", "c_b", "s_p", "s_q", "s_r", "y"}));
  EXPECT_EQ(out["c_a"].type(), ColumnType::Bool);
  EXPECT_EQ(out["c_a"].to_doubles(), (std::vector<double>{1, 0}));
  EXPECT_EQ(out["c_b"].to_doubles(), (std::vector<double>{0, 0}));  // "z" unseen: all zeros
  EXPECT_EQ(out["s_r"].to_doubles(), (std::vector<double>{1, 0}));
  bool unknown_reported = false;
  for (const auto& ch : r.changes)
    unknown_reported |= ch.action == "unknown category" && ch.column == "c" && ch.count == 1;
  EXPECT_TRUE(unknown_reported);
  EXPECT_EQ(r.removed_columns, (std::vector<std::string>{"c", "s"}));
  Table tr = e.transform(train());
  EXPECT_EQ(tr["c_a"].to_doubles(), (std::vector<double>{0, 1, 0, 0, 1}));  // missing row 3: zeros
  EXPECT_EQ(tr["c_b"].to_doubles(), (std::vector<double>{1, 0, 1, 0, 0}));
}

TEST(EncoderTest, OrdinalCodesFollowCategoryOrder) {
  Encoder e(EncoderKind::Ordinal, {.columns = {"c", "n"}});
  Table out = e.fit_transform(train());
  EXPECT_EQ(out["c"].type(), ColumnType::Int);
  EXPECT_EQ(out["c"].to_doubles()[0], 1.0);
  EXPECT_TRUE(out["c"].is_missing(3));
  EXPECT_EQ(out["n"].to_doubles(), (std::vector<double>{0, 1, 2, 3, 4}));  // numbers in numeric order
  Table t = e.transform(test());
  EXPECT_EQ(t["c"].int_at(1), -1);  // unknown
  EXPECT_EQ(t["n"].int_at(1), -1);
  Encoder nan_unknown(EncoderKind::Ordinal, {.unknown_value = NAN});
  nan_unknown.fit(train());
  EXPECT_TRUE(nan_unknown.transform(test())["c"].is_missing(1));
}

TEST(EncoderTest, ScalersUseTrainingStatistics) {
  Encoder standard(EncoderKind::Standard, {.exclude = {"y"}});
  standard.fit(train());
  ASSERT_EQ(standard.params().size(), 2u);  // x, n (y excluded)
  EXPECT_DOUBLE_EQ(standard.params()[0].center, 2.5);
  EXPECT_DOUBLE_EQ(standard.params()[0].scale, std::sqrt(1.25));
  Table out = standard.transform(test());
  EXPECT_DOUBLE_EQ(out["x"].number(1), (5 - 2.5) / std::sqrt(1.25));
  EXPECT_EQ(out["n"].type(), ColumnType::Float);
  EXPECT_EQ(out["y"].type(), ColumnType::Int);  // untouched
  Table back = standard.inverse_transform(out);
  EXPECT_NEAR(back["x"].number(1), 5.0, 1e-12);

  Encoder minmax(EncoderKind::MinMax, {.columns = {"x"}, .feature_range = {-1.0, 1.0}});
  Table m = minmax.fit_transform(train());
  EXPECT_EQ(m["x"].to_doubles()[0], -1.0);
  EXPECT_EQ(m["x"].to_doubles()[3], 1.0);
  EXPECT_TRUE(m["x"].is_missing(4));
  EXPECT_DOUBLE_EQ(minmax.transform(test())["x"].number(1), 1 + 2.0 * (5 - 4) / 3);

  Encoder robust(EncoderKind::Robust, {.columns = {"n"}});
  robust.fit(train());  // median 30, IQR 40 - 20
  EXPECT_DOUBLE_EQ(robust.transform(test())["n"].number(1), (60.0 - 30.0) / 20.0);

  Encoder flat(EncoderKind::Standard, {.columns = {"k"}});
  flat.fit(Table({Column::from_floats("k", {3, 3})}));
  EXPECT_EQ(flat.params()[0].scale, 1.0);  // zero std counts as 1
}

TEST(EncoderTest, JsonRoundTrip) {
  for (EncoderKind k : {EncoderKind::OneHot, EncoderKind::Ordinal, EncoderKind::Standard, EncoderKind::MinMax,
                        EncoderKind::Robust}) {
    SCOPED_TRACE(std::string(to_string(k)));
    Encoder e(k, {.exclude = {"y"}});
    e.fit(train());
    Encoder back = Encoder::from_json(e.to_json());
    EXPECT_EQ(back.kind(), k);
    EXPECT_TRUE(back.fitted());
    EXPECT_TRUE(back.transform(test()) == e.transform(test()));
    EXPECT_EQ(parse_encoder_kind(to_string(k)), k);
  }
  EXPECT_ERROR_CONTAINS(Encoder::from_json("{not json"), "Encoder::from_json: not valid JSON");
  EXPECT_ERROR_CONTAINS(Encoder::from_json("{\"kind\": \"standard\"}"), "malformed encoder JSON");
  EXPECT_ERROR_CONTAINS(parse_encoder_kind("binary"), "parse_encoder_kind", "'binary'");
}

Preprocessor pipeline() {
  Preprocessor p;
  p.add(EncoderKind::OneHot)
      .add(EncoderKind::Robust, {.exclude = {"y"}})
      .add(EncoderKind::MinMax, {.columns = {"x"}});
  return p;
}

TEST(PreprocessorTest, ChainsStepsAndRoundTripsThroughJsonAndSafetensors) {
  Preprocessor p = pipeline();
  std::vector<StepReport> reports;
  Table fitted = p.fit_transform(train(), &reports);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_TRUE(p.fitted());
  EXPECT_EQ(fitted["c_a"].type(), ColumnType::Bool);  // dummies are bool, so the scaler leaves them alone
  const Table want = p.transform(test());

  Preprocessor from_json = Preprocessor::from_json(p.to_json());
  EXPECT_TRUE(from_json.transform(test()) == want);

  TempDir dir;
  p.save(dir.file("pre.safetensors"));
  Preprocessor loaded = Preprocessor::load(dir.file("pre.safetensors"));
  EXPECT_TRUE(loaded.transform(test()) == want);
  // The scalers' parameters are real tensors in the file.
  auto tensors = io::load_safetensors(dir.file("pre.safetensors"));
  ASSERT_TRUE(tensors.count("preprocessor.1.center"));
  EXPECT_EQ(tensors.at("preprocessor.1.center").shape(), (Shape{2}));  // x and n
  EXPECT_EQ(tensors.at("preprocessor.1.center").dtype(), kFloat64);

  // Beside other tensors, under another prefix.
  std::map<std::string, Tensor> model{{"weight", ones({2})}};
  std::map<std::string, std::string> meta;
  p.export_to(model, meta, "prep");
  EXPECT_TRUE(Preprocessor::import_from(model, meta, "prep").transform(test()) == want);
  model.erase("prep.1.scale");
  EXPECT_ERROR_CONTAINS(Preprocessor::import_from(model, meta, "prep"), "tensor 'prep.1.scale' is missing");
  EXPECT_ERROR_CONTAINS(Preprocessor::import_from(model, {}, "prep"), "no metadata entry 'prep'");
  EXPECT_ERROR_CONTAINS(Preprocessor::from_json("{\"steps\": []}"), "not a strata.preprocessor");
}

TEST(PreprocessorTest, Errors) {
  Encoder e(EncoderKind::Standard);
  EXPECT_ERROR_CONTAINS(e.transform(train()), "Encoder(standard)::transform", "not fitted");
  EXPECT_ERROR_CONTAINS(Encoder(EncoderKind::Standard, {.columns = {"c"}}).fit(train()),
                        "Encoder(standard)::fit: column 'c' is category");
  EXPECT_ERROR_CONTAINS(Encoder(EncoderKind::OneHot, {.columns = {"zz"}}).fit(train()), "no column 'zz'");
  e.fit(train());
  EXPECT_ERROR_CONTAINS(e.transform(train().drop({"x"})), "no column 'x'", "fitted on [x, n, y]");
  EXPECT_ERROR_CONTAINS(Encoder(EncoderKind::OneHot).inverse_transform(train()),
                        "only scalers can be inverted");
  EXPECT_ERROR_CONTAINS(Encoder(EncoderKind::MinMax, {.feature_range = {1.0, 0.0}}), "feature_range");
  EXPECT_ERROR_CONTAINS(Encoder(EncoderKind::Standard).fit(Table({Column::from_floats("k", {NAN})})),
                        "column 'k' has no values");
}

}  // namespace
}  // namespace strata::data::table
