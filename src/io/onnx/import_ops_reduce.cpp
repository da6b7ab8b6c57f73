// The ONNX importer's reductions: Reduce*, ArgMax, ArgMin, CumSum and TopK.
#include <algorithm>
#include <numeric>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

// Reduce*: axes from the attribute or (ReduceSum from opset 13, the others from 18) the second input.
template <int Kind>
Tensors op_reduce(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t input_opset = Kind == 0 ? 13 : 18;
  std::vector<int64_t> axes = axes_of(c, 1, input_opset);
  const bool keep = c.node.attr_int("keepdims", 1) != 0;
  if (axes.empty()) {
    if (c.node.attr_int("noop_with_empty_axes", 0) != 0) return {x};
    for (int64_t d = 0; d < rank(x); ++d) axes.push_back(d);
  }
  for (auto& a : axes) a = norm_axis(a, rank(x), c.node);
  const Shape dims(axes);
  switch (Kind) {
    case 0:
      return {F::sum(x, dims, keep)};
    case 1:
      return {F::mean(x, dims, keep)};
    case 2:
      return {F::amax(x, dims, keep)};
    case 3:
      return {F::amin(x, dims, keep)};
    case 4: {  // prod, one dim at a time from the last
      std::sort(axes.rbegin(), axes.rend());
      Tensor y = x;
      for (int64_t a : axes) y = F::prod(y, a, keep);
      return {y};
    }
    case 5:
      return {F::sum(F::square(x), dims, keep)};
    case 6:
      return {F::sum(F::abs(x), dims, keep)};
    case 7:
      return {F::sqrt(F::sum(F::square(x), dims, keep))};
    case 8:
      return {F::logsumexp(x, dims, keep)};
    default:
      return {F::log(F::sum(x, dims, keep))};
  }
}
template <bool Max>
Tensors op_arg(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  const bool keep = c.node.attr_int("keepdims", 1) != 0;
  if (c.node.attr_int("select_last_index", 0) == 0)
    return {Max ? F::argmax(x, axis, keep) : F::argmin(x, axis, keep)};
  // The last extremum: the first one of the reversed axis, mapped back.
  const int64_t len = x.shape()[static_cast<size_t>(axis)];
  const Tensor reversed =
      F::index_select(x, axis, arange(static_cast<double>(len - 1), -1.0, -1.0, {.dtype = kInt64}));
  const Tensor i = Max ? F::argmax(reversed, axis, keep) : F::argmin(reversed, axis, keep);
  return {F::rsub(i, static_cast<double>(len - 1))};
}

// CumSum as a product with a triangular matrix along the axis (exclusive and reverse choose the triangle).
Tensors op_cumsum(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(static_cast<int64_t>(scalar(c.required(1))), rank(x), c.node);
  const int64_t n = x.shape()[static_cast<size_t>(axis)];
  const bool exclusive = c.node.attr_int("exclusive", 0) != 0, reverse = c.node.attr_int("reverse", 0) != 0;
  const Tensor i = positions(n, 0, 2), j = positions(n, 1, 2);  // out[j] sums in[i]
  const Tensor take =
      reverse ? (exclusive ? F::gt(i, j) : F::ge(i, j)) : (exclusive ? F::lt(i, j) : F::le(i, j));
  const Dtype dt = x.is_floating_point() ? x.dtype() : kFloat64;
  const Tensor tri = take.to(dt);
  const Tensor moved = x.to(dt).transpose(axis, rank(x) - 1);
  return {F::matmul(moved, tri).transpose(axis, rank(x) - 1).contiguous().to(x.dtype())};
}

// TopK: the indices are found by sorting each slice (ties: lower index first), the values gathered with them.
Tensors op_topk(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
  const int64_t k = c.ints(1).at(0);
  const bool largest = c.node.attr_int("largest", 1) != 0;
  const Tensor moved = x.transpose(axis, rank(x) - 1).contiguous();
  const int64_t n = moved.shape().back(), rows = n == 0 ? 0 : moved.numel() / n;
  STRATA_CHECK(k >= 0 && k <= n, "{}: k = {} for a dimension of size {}", c.node.label(), k, n);
  const std::vector<double> v = moved.to(kFloat64).contiguous().to_vector<double>();
  std::vector<int64_t> idx(static_cast<size_t>(rows * k));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    std::iota(order.begin(), order.end(), 0);
    const double* row = v.data() + r * n;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return largest ? row[a] > row[b] : row[a] < row[b]; });
    std::copy(order.begin(), order.begin() + k, idx.begin() + r * k);
  }
  Shape ishape = moved.shape();
  ishape[ishape.size() - 1] = k;
  const Tensor index = from_vector<int64_t>(idx, ishape);
  const Tensor values = F::gather(moved, rank(x) - 1, index);
  return {values.transpose(axis, rank(x) - 1).contiguous(), index.transpose(axis, rank(x) - 1).contiguous()};
}

}  // namespace

void add_reduce_ops(OperatorTable& table) {
  table.insert({
      {"ArgMax", op_arg<true>},
      {"ArgMin", op_arg<false>},
      {"CumSum", op_cumsum},
      {"ReduceL1", op_reduce<6>},
      {"ReduceL2", op_reduce<7>},
      {"ReduceLogSum", op_reduce<9>},
      {"ReduceLogSumExp", op_reduce<8>},
      {"ReduceMax", op_reduce<2>},
      {"ReduceMean", op_reduce<1>},
      {"ReduceMin", op_reduce<3>},
      {"ReduceProd", op_reduce<4>},
      {"ReduceSum", op_reduce<0>},
      {"ReduceSumSquare", op_reduce<5>},
      {"TopK", op_topk},
  });
}

}  // namespace strata::onnx::detail
