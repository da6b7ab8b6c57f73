// The ONNX importer's linear algebra: MatMul, Gemm, EyeLike and Trilu.

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_matmul(const OpContext& c) { return {F::matmul(c.required(0), c.required(1))}; }
Tensors op_gemm(const OpContext& c) {
  Tensor a = c.required(0), b = c.required(1);
  if (c.node.attr_int("transA", 0)) a = a.t();
  if (c.node.attr_int("transB", 0)) b = b.t();
  Tensor y = F::matmul(a, b);
  const double alpha = c.node.attr_float("alpha", 1.0), beta = c.node.attr_float("beta", 1.0);
  if (alpha != 1.0) y = F::mul(y, alpha);
  if (c.in(2).defined() && beta != 0.0) y = F::add(y, beta == 1.0 ? c.in(2) : F::mul(c.in(2), beta));
  return {y};
}

Tensors op_eye_like(const OpContext& c) {
  const Tensor& x = c.required(0);
  STRATA_CHECK(rank(x) == 2, "{}: input must be 2-D, got {}", c.node.label(), x.shape().str());
  const Dtype dt = c.node.has("dtype") ? onnx_dtype(c.node.attr_int("dtype", 1), c.node) : x.dtype();
  const int64_t k = c.node.attr_int("k", 0);
  Tensor out = zeros(x.shape(), {.dtype = dt});
  for (int64_t i = 0; i < x.shape()[0]; ++i)
    if (i + k >= 0 && i + k < x.shape()[1]) out.set_at({i, i + k}, 1.0);
  return {out};
}

Tensors op_trilu(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t k = c.in(1).defined() ? static_cast<int64_t>(scalar(c.in(1))) : 0;
  const int64_t r = rank(x);
  const int64_t rows = x.shape()[static_cast<size_t>(r - 2)], cols = x.shape()[static_cast<size_t>(r - 1)];
  const Tensor diff = F::sub(positions(cols, 1, 2), positions(rows, 0, 2));  // j - i
  const Tensor keep = c.node.attr_int("upper", 1) != 0 ? F::ge(diff, static_cast<double>(k))
                                                       : F::le(diff, static_cast<double>(k));
  return {F::where(keep, x, zeros({}, {.dtype = x.dtype()}))};
}

}  // namespace

void add_linalg_ops(OperatorTable& table) {
  table.insert({
      {"EyeLike", op_eye_like},
      {"Gemm", op_gemm},
      {"MatMul", op_matmul},
      {"Trilu", op_trilu},
  });
}

}  // namespace strata::onnx::detail
