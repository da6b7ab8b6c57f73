#include "strata/data/table/convert.h"

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

Table sample() {
  return Table({Column::from_floats("x", {0.5, 1.5, -2}), Column::from_ints("n", {1, 2, 3}),
                Column::from_bools("b", {true, false, true}),
                Column::from_categories("species", {"b", "a", "c"}),
                Column::from_floats("price", {10, 20.5, 30})});
}

TEST(ConvertTest, FeaturesAreRowMajorFloats) {
  Tensor x = features_tensor(sample(), {"x", "n", "b"});
  EXPECT_EQ(x.shape(), (Shape{3, 3}));
  EXPECT_EQ(x.dtype(), kFloat32);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0.5f, 1, 1, 1.5f, 2, 0, -2, 3, 1}));
  EXPECT_EQ(features_tensor(sample(), {"x"}, kFloat64).dtype(), kFloat64);
}

TEST(ConvertTest, TargetsAsClassesOrValues) {
  Tensor y = target_tensor(sample(), "species");
  EXPECT_EQ(y.dtype(), kInt64);
  EXPECT_EQ(y.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));  // level codes (a, b, c)
  EXPECT_EQ(target_tensor(sample(), "b").to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(target_tensor(sample(), "n").to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  Tensor r = target_tensor(sample(), "price");
  EXPECT_EQ(r.shape(), (Shape{3, 1}));
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_EQ(target_tensor(sample(), "n", TargetKind::Regression).shape(), (Shape{3, 1}));
  EXPECT_EQ(target_tensor(sample(), "x", TargetKind::Regression, kFloat64).dtype(), kFloat64);
  Table s({Column::from_strings("label", {"dog", "cat", "dog"})});
  EXPECT_EQ(target_tensor(s, "label").to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(class_names(s["label"]), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(class_names(sample()["species"]), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(class_names(sample()["n"]), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(class_names(sample()["b"]), (std::vector<std::string>{"false", "true"}));
}

TEST(ConvertTest, DatasetFromTable) {
  auto ds = to_tensor_dataset(sample().drop({"price"}), {.target = "species"});
  EXPECT_EQ(ds->size(), 3);
  EXPECT_EQ(ds->inputs().shape(), (Shape{3, 3}));  // x, n, b
  data::Example e = ds->get(2);
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{-2, 3, 1}));
  EXPECT_EQ(e.target.item<int64_t>(), 2);
  auto unlabelled = to_tensor_dataset(sample().select({"x", "n"}), {});
  EXPECT_FALSE(unlabelled->targets().defined());
  auto chosen = to_tensor_dataset(sample(), {.target = "price", .features = {"x"}});
  EXPECT_EQ(chosen->inputs().shape(), (Shape{3, 1}));
  EXPECT_EQ(chosen->targets().shape(), (Shape{3, 1}));
}

TEST(ConvertTest, ErrorsNameTheColumn) {
  EXPECT_ERROR_CONTAINS(features_tensor(sample()), "features_tensor: column 'species' is category",
                        "encode it first");
  Table gap({Column::from_floats("x", {1, NAN})});
  EXPECT_ERROR_CONTAINS(features_tensor(gap), "column 'x' has 1 missing values", "impute");
  EXPECT_ERROR_CONTAINS(features_tensor(sample(), {"q"}), "features_tensor: no column 'q'");
  EXPECT_ERROR_CONTAINS(features_tensor(sample(), {"x"}, kInt64), "dtype must be f32 or f64");
  EXPECT_ERROR_CONTAINS(target_tensor(gap, "x", TargetKind::Classification),
                        "target column 'x' has 1 missing");
  EXPECT_ERROR_CONTAINS(target_tensor(sample(), "x", TargetKind::Classification),
                        "row 0: 0.5 is not a class index");
  Table neg({Column::from_ints("y", {0, -1})});
  EXPECT_ERROR_CONTAINS(target_tensor(neg, "y"), "row 1: -1 is not a class index");
  EXPECT_ERROR_CONTAINS(target_tensor(sample(), "species", TargetKind::Regression),
                        "regression target must be numeric");
  EXPECT_ERROR_CONTAINS(to_tensor_dataset(sample(), {.target = "n", .features = {"n", "x"}}),
                        "also listed as a feature");
  EXPECT_ERROR_CONTAINS(class_names(sample()["x"]), "class_names: column 'x' is float");
}

}  // namespace
}  // namespace strata::data::table
