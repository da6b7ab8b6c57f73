// Matrix products against PyTorch (tests/fixtures/linalg.safetensors).
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

Tensor matmul_ab(Case& c) { return F::matmul(c.in("a"), c.in("b")); }
Tensor linear_xwb(Case& c) { return F::linear(c.in("x"), c.in("weight"), c.in("bias")); }

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("matmul_2d", matmul_ab),
      golden::f64_and_f32("matmul_batched_bcast", matmul_ab),
      golden::f64_and_f32("linear", linear_xwb),
      {
          {"matmul_dot", matmul_ab},
          {"matmul_mv", matmul_ab},
          {"matmul_vm", matmul_ab},
          {"matmul_batched", matmul_ab},
          {"matmul_batched_mat", matmul_ab},
          {"matmul_mat_batched", matmul_ab},
          {"matmul_batched_vec", matmul_ab},
          {"matmul_vec_batched", matmul_ab},
          {"matmul_transposed", [](Case& c) { return F::matmul(c.in("a").t(), c.in("b").t()); }},
          {"mm", [](Case& c) { return F::mm(c.in("a"), c.in("b")); }},
          {"mm_f32", [](Case& c) { return F::mm(c.in("a"), c.in("b")); }},
          {"bmm", [](Case& c) { return F::bmm(c.in("a"), c.in("b")); }},
          {"linear_no_bias", [](Case& c) { return F::linear(c.in("x"), c.in("weight")); }},
          {"linear_3d", linear_xwb},
          {"linear_1d", linear_xwb},
      },
  });
  return all;
}

STRATA_GOLDEN_TESTS(LinalgGolden, "linalg.safetensors", cases);

}  // namespace
}  // namespace strata
