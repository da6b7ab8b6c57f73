// Gathering, scattering, joining and padding against PyTorch (tests/fixtures/indexing.safetensors).
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase gather(const std::string& name, int64_t dim) {
  return {name, [dim](Case& c) { return F::gather(c.in("x"), dim, c.in("index")); }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      gather("gather_dim0", 0),
      gather("gather_dim1", 1),
      gather("gather_small_index", 1),
      gather("gather_3d_f32", 2),
      {"scatter_dim1", [](Case& c) { return F::scatter(c.in("x"), 1, c.in("index"), c.in("src")); }},
      {"scatter_dim0", [](Case& c) { return F::scatter(c.in("x"), 0, c.in("index"), c.in("src")); }},
      {"scatter_value", [](Case& c) { return F::scatter(c.in("x"), 1, c.in("index"), 2.5); }},
      {"scatter_add_dim0", [](Case& c) { return F::scatter_add(c.in("x"), 0, c.in("index"), c.in("src")); }},
      {"scatter_add_dim1_f32",
       [](Case& c) { return F::scatter_add(c.in("x"), 1, c.in("index"), c.in("src")); }},
      {"index_select_dim0", [](Case& c) { return F::index_select(c.in("x"), 0, c.in("index")); }},
      {"index_select_dim1", [](Case& c) { return F::index_select(c.in("x"), 1, c.in("index")); }},
      {"index_add_dim0", [](Case& c) { return F::index_add(c.in("x"), 0, c.in("index"), c.in("src")); }},
      {"index_add_dim1", [](Case& c) { return F::index_add(c.in("x"), 1, c.in("index"), c.in("src")); }},
      {"embedding", [](Case& c) { return F::embedding(c.in("indices"), c.in("weight")); }},
      {"embedding_1d_f32", [](Case& c) { return F::embedding(c.in("indices"), c.in("weight")); }},
      {"cat_dim0",
       [](Case& c) {
         return F::cat({c.in("a"), c.in("b"), c.in("c")}, 0);
       }},
      {"cat_dim1",
       [](Case& c) {
         return F::cat({c.in("a"), c.in("b"), c.in("c")}, 1);
       }},
      {"cat_neg_f32",
       [](Case& c) {
         return F::cat({c.in("a"), c.in("b")}, -1);
       }},
      {"stack_dim0",
       [](Case& c) {
         return F::stack({c.in("a"), c.in("b"), c.in("c")}, 0);
       }},
      {"stack_dim1",
       [](Case& c) {
         return F::stack({c.in("a"), c.in("b")}, 1);
       }},
      {"stack_neg",
       [](Case& c) {
         return F::stack({c.in("a"), c.in("b")}, -1);
       }},
      {"pad_last",
       [](Case& c) {
         return F::pad(c.in("x"), {1, 2});
       }},
      {"pad_two_dims",
       [](Case& c) {
         return F::pad(c.in("x"), {1, 1, 2, 0}, 0.5);
       }},
      {"pad_three_dims_f32",
       [](Case& c) {
         return F::pad(c.in("x"), {0, 1, 1, 0, 2, 1}, -1.0);
       }},
      {"masked_fill", [](Case& c) { return F::masked_fill(c.in("x"), c.in("mask"), -1.5); }},
      {"masked_fill_bcast", [](Case& c) { return F::masked_fill(c.in("x"), c.in("mask"), 7.0); }},
      {"one_hot", [](Case& c) { return F::one_hot(c.in("indices"), 5); }},
      {"one_hot_inferred", [](Case& c) { return F::one_hot(c.in("indices")); }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(IndexingGolden, "indexing.safetensors", cases);

}  // namespace
}  // namespace strata
