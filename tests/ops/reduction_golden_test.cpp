// Reductions against PyTorch (tests/fixtures/reduction.safetensors).
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// A case returning max/min values along a dim and checking the indices against `<case>.indices`.
GoldenCase values_indices(const std::string& name, const std::function<F::ValuesIndices(const Tensor&)>& fn) {
  return {name, [fn](Case& c) {
            F::ValuesIndices r = fn(c.in("x"));
            c.expect("indices", r.indices);
            return r.values;
          }};
}

GoldenCase of_x(const std::string& name, const std::function<Tensor(const Tensor&)>& fn) {
  return {name, [fn](Case& c) { return fn(c.in("x")); }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("sum_all", [](Case& c) { return F::sum(c.in("x")); }),
      golden::f64_and_f32("sum_dim1", [](Case& c) { return F::sum(c.in("x"), {1}); }),
      golden::f64_and_f32("mean_dims02_keep",
                          [](Case& c) {
                            return F::mean(c.in("x"), {0, 2}, true);
                          }),
      golden::f64_and_f32("var_dim1", [](Case& c) { return F::var(c.in("x"), Shape{1}); }),
      {
          of_x("sum_dims02",
               [](const Tensor& x) {
                 return F::sum(x, {0, 2});
               }),
          of_x("sum_neg_keep", [](const Tensor& x) { return F::sum(x, {-1}, true); }),
          of_x("sum_all_dims",
               [](const Tensor& x) {
                 return F::sum(x, {0, 1, 2});
               }),
          of_x("mean_all", [](const Tensor& x) { return F::mean(x); }),
          of_x("mean_dim1", [](const Tensor& x) { return F::mean(x, {1}); }),
          of_x("mean_neg",
               [](const Tensor& x) {
                 return F::mean(x, {-1, -3});
               }),
          of_x("var_all", [](const Tensor& x) { return F::var(x); }),
          of_x("var_all_biased", [](const Tensor& x) { return F::var(x, false); }),
          of_x("var_dims02_biased_keep",
               [](const Tensor& x) {
                 return F::var(x, Shape{0, 2}, false, true);
               }),
          of_x("var_neg", [](const Tensor& x) { return F::var(x, Shape{-1}); }),
          of_x("std_all", [](const Tensor& x) { return F::std(x); }),
          of_x("std_all_biased", [](const Tensor& x) { return F::std(x, false); }),
          of_x("std_dim1", [](const Tensor& x) { return F::std(x, Shape{1}); }),
          of_x("std_dims01_biased_keep",
               [](const Tensor& x) {
                 return F::std(x, Shape{0, 1}, false, true);
               }),
          of_x("prod_all", [](const Tensor& x) { return F::prod(x); }),
          of_x("prod_dim1", [](const Tensor& x) { return F::prod(x, 1); }),
          of_x("prod_dim0_keep", [](const Tensor& x) { return F::prod(x, 0, true); }),
          of_x("prod_dim1_zeros", [](const Tensor& x) { return F::prod(x, 1); }),
          of_x("prod_all_zero", [](const Tensor& x) { return F::prod(x); }),
          of_x("max_all", [](const Tensor& x) { return F::max(x); }),
          of_x("min_all", [](const Tensor& x) { return F::min(x); }),
          of_x("max_all_ties", [](const Tensor& x) { return F::max(x); }),
          of_x("min_all_ties", [](const Tensor& x) { return F::min(x); }),
          values_indices("max_dim1", [](const Tensor& x) { return F::max(x, 1); }),
          values_indices("max_dim0_keep", [](const Tensor& x) { return F::max(x, 0, true); }),
          values_indices("min_dim1", [](const Tensor& x) { return F::min(x, 1); }),
          values_indices("min_neg_keep", [](const Tensor& x) { return F::min(x, -1, true); }),
          of_x("amax_dims02",
               [](const Tensor& x) {
                 return F::amax(x, {0, 2});
               }),
          of_x("amax_dim1_keep", [](const Tensor& x) { return F::amax(x, {1}, true); }),
          of_x("amin_dims01",
               [](const Tensor& x) {
                 return F::amin(x, {0, 1});
               }),
          of_x("amax_ties", [](const Tensor& x) { return F::amax(x, {1}); }),
          of_x("amin_ties", [](const Tensor& x) { return F::amin(x, {0}); }),
          of_x("argmax_all", [](const Tensor& x) { return F::argmax(x); }),
          of_x("argmin_all", [](const Tensor& x) { return F::argmin(x); }),
          of_x("argmax_dim1", [](const Tensor& x) { return F::argmax(x, 1); }),
          of_x("argmin_dim0_keep", [](const Tensor& x) { return F::argmin(x, 0, true); }),
          of_x("logsumexp_dim1", [](const Tensor& x) { return F::logsumexp(x, {1}); }),
          of_x("logsumexp_dims01_keep",
               [](const Tensor& x) {
                 return F::logsumexp(x, {0, 1}, true);
               }),
          of_x("logsumexp_all",
               [](const Tensor& x) {
                 return F::logsumexp(x, {0, 1, 2});
               }),
          of_x("logsumexp_large", [](const Tensor& x) { return F::logsumexp(x, {-1}); }),
          of_x("logsumexp_f32", [](const Tensor& x) { return F::logsumexp(x, {2}); }),
          of_x("norm_p1_all", [](const Tensor& x) { return F::norm(x, 1.0); }),
          of_x("norm_p2_all", [](const Tensor& x) { return F::norm(x); }),
          of_x("norm_p3_all", [](const Tensor& x) { return F::norm(x, 3.0); }),
          of_x("norm_p1_dim1", [](const Tensor& x) { return F::norm(x, 1.0, {1}); }),
          of_x("norm_p2_dim1", [](const Tensor& x) { return F::norm(x, 2.0, {1}); }),
          of_x("norm_p3_dim1", [](const Tensor& x) { return F::norm(x, 3.0, {1}); }),
          of_x("norm_p1_dims02_keep",
               [](const Tensor& x) {
                 return F::norm(x, 1.0, {0, 2}, true);
               }),
          of_x("norm_p2_dims02_keep",
               [](const Tensor& x) {
                 return F::norm(x, 2.0, {0, 2}, true);
               }),
          of_x("norm_p3_dims02_keep",
               [](const Tensor& x) {
                 return F::norm(x, 3.0, {0, 2}, true);
               }),
          of_x("norm_p2_f32", [](const Tensor& x) { return F::norm(x, 2.0, {-1}); }),
      },
  });
  return all;
}

STRATA_GOLDEN_TESTS(ReductionGolden, "reduction.safetensors", cases);

}  // namespace
}  // namespace strata
