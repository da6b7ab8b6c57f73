// The ONNX importer's shapes and tensor construction: Reshape, Transpose, Squeeze, Concat, Slice, Cast,
// Expand, ...
#include <algorithm>
#include <cmath>
#include <cstring>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_identity(const OpContext& c) { return {c.required(0)}; }
Tensors op_flatten(const OpContext& c) {
  const Tensor& x = c.required(0);
  int64_t axis = c.node.attr_int("axis", 1);
  if (axis < 0) axis += rank(x);
  STRATA_CHECK(axis >= 0 && axis <= rank(x), "{}: axis {} is out of range for rank {}", c.node.label(), axis,
               rank(x));
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d) rows *= x.shape()[static_cast<size_t>(d)];
  return {x.reshape({rows, rows == 0 ? 0 : x.numel() / rows})};
}
Tensors op_reshape(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> shape = c.opset >= 5 ? c.ints(1) : c.node.attr_ints("shape");
  const bool allow_zero = c.node.attr_int("allowzero", 0) != 0;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 0 && !allow_zero) {
      STRATA_CHECK(i < static_cast<size_t>(rank(x)),
                   "{}: shape entry {} copies a dimension that the input {} lacks", c.node.label(), i,
                   x.shape().str());
      shape[i] = x.shape()[i];
    }
  return {x.reshape(Shape(shape))};
}
Tensors op_transpose(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> perm = c.node.attr_ints("perm");
  if (perm.empty())
    for (int64_t d = rank(x); d-- > 0;) perm.push_back(d);
  return {x.permute(Shape(perm))};
}

Tensors op_squeeze(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> axes = axes_of(c, 1, 13);
  if (axes.empty()) return {x.squeeze()};
  for (auto& a : axes) a = norm_axis(a, rank(x), c.node);
  std::sort(axes.rbegin(), axes.rend());
  Tensor y = x;
  for (int64_t a : axes) {
    STRATA_CHECK(y.shape()[static_cast<size_t>(a)] == 1, "{}: dimension {} of {} is not 1", c.node.label(), a,
                 x.shape().str());
    y = y.squeeze(a);
  }
  return {y};
}
Tensors op_unsqueeze(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> axes = axes_of(c, 1, 13);
  const int64_t out_rank = rank(x) + static_cast<int64_t>(axes.size());
  for (auto& a : axes) a = norm_axis(a, out_rank, c.node);
  std::sort(axes.begin(), axes.end());
  Tensor y = x;
  for (int64_t a : axes) y = y.unsqueeze(a);
  return {y};
}
Tensors op_concat(const OpContext& c) {
  std::vector<Tensor> parts;
  for (const auto& t : c.inputs)
    if (t.defined()) parts.push_back(t);
  STRATA_CHECK(!parts.empty(), "{}: no inputs", c.node.label());
  return {F::cat(parts, norm_axis(c.node.attr_int("axis", 0), rank(parts[0]), c.node))};
}
Tensors op_split(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  std::vector<int64_t> sizes =
      c.opset >= 13 ? (c.in(1).defined() ? c.ints(1) : std::vector<int64_t>{}) : c.node.attr_ints("split");
  const int64_t dim = x.shape()[static_cast<size_t>(axis)];
  if (sizes.empty()) {
    const int64_t n = c.node.attr_int("num_outputs", static_cast<int64_t>(c.node.outputs.size()));
    const int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i) sizes.push_back(std::min(chunk, dim - i * chunk));
  }
  return F::split(x, sizes, axis);
}
Tensors op_slice(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset >= 10) {
    starts = c.ints(1);
    ends = c.ints(2);
    if (c.in(3).defined()) axes = c.ints(3);
    if (c.in(4).defined()) steps = c.ints(4);
  } else {
    starts = c.node.attr_ints("starts");
    ends = c.node.attr_ints("ends");
    axes = c.node.attr_ints("axes");
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  STRATA_CHECK(starts.size() == ends.size() && axes.size() == starts.size() && steps.size() == starts.size(),
               "{}: starts, ends, axes and steps differ in length", c.node.label());
  Tensor y = x;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = norm_axis(axes[i], rank(x), c.node);
    const int64_t dim = x.shape()[static_cast<size_t>(axis)], step = steps[i];
    STRATA_CHECK(step != 0, "{}: step 0", c.node.label());
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      y = end > start ? y.slice(axis, start, end, step) : y.slice(axis, start, start);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      std::vector<int64_t> index;
      for (int64_t j = start; j > end; j += step) index.push_back(j);
      y = F::index_select(y, axis, from_vector<int64_t>(index, {static_cast<int64_t>(index.size())}));
    }
  }
  return {y};
}

Tensors op_shape(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t r = rank(x);
  int64_t start = c.node.attr_int("start", 0), end = c.node.attr_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  std::vector<int64_t> dims(x.shape().begin() + start, x.shape().begin() + end);
  return {from_vector<int64_t>(dims, {static_cast<int64_t>(dims.size())})};
}
Tensors op_size(const OpContext& c) {
  return {full({}, static_cast<double>(c.required(0).numel()), {.dtype = kInt64})};
}
Tensors op_constant(const OpContext& c) {
  const Node& n = c.node;
  if (n.has("value")) return {n.attr_tensor("value")};
  if (n.has("value_float")) return {full({}, n.attr_float("value_float", 0), {.dtype = kFloat32})};
  if (n.has("value_int"))
    return {full({}, static_cast<double>(n.attr_int("value_int", 0)), {.dtype = kInt64})};
  if (n.has("value_floats")) {
    std::vector<float> v;
    for (double f : n.attr_floats("value_floats")) v.push_back(static_cast<float>(f));
    return {from_vector<float>(v, {static_cast<int64_t>(v.size())})};
  }
  if (n.has("value_ints")) {
    const auto v = n.attr_ints("value_ints");
    return {from_vector<int64_t>(v, {static_cast<int64_t>(v.size())})};
  }
  STRATA_FAIL("{}: only value, value_float(s) and value_int(s) are supported", n.label());
}
Tensors op_constant_of_shape(const OpContext& c) {
  const std::vector<int64_t> shape = c.ints(0);
  const Tensor value = c.node.attr_tensor("value");
  if (!value.defined()) return {zeros(Shape(shape), {.dtype = kFloat32})};
  return {full(Shape(shape), scalar(value), {.dtype = value.dtype()})};
}
Tensors op_dropout(const OpContext& c) {
  const Tensor& x = c.required(0);
  double ratio =
      c.opset >= 12 ? (c.in(1).defined() ? scalar(c.in(1)) : 0.5) : c.node.attr_float("ratio", 0.5);
  const bool train = c.training || (c.in(2).defined() && scalar(c.in(2)) != 0.0);
  if (!train || ratio == 0.0) return {x, ones(x.shape(), {.dtype = kUInt8})};
  const Tensor y = F::dropout(x, ratio, true);
  return {y, F::ne(y, 0.0)};
}

// float16 and bfloat16 are held as f32 rounded to their precision (round to nearest even).
Tensor round_to_16bit(const Tensor& x, bool bf16) {
  std::vector<float> v = x.to(kFloat32).contiguous().to_vector<float>();
  for (float& f : v) {
    if (bf16) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      if (!std::isnan(f)) bits = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000u;
      std::memcpy(&f, &bits, 4);
    } else {
      f = static_cast<float>(static_cast<_Float16>(f));
    }
  }
  return from_vector<float>(v, x.shape());
}
Tensors op_cast(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t to = c.node.attr_int("to", 1);
  if (to == 9) return {F::ne(x, 0.0)};  // bool
  if (to == 10 || to == 16) return {round_to_16bit(x, to == 16)};
  const Dtype dt = onnx_dtype(to, c.node);
  return {x.dtype() == dt ? x : x.to(dt)};
}
Tensors op_cast_like(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Dtype dt = c.required(1).dtype();
  return {x.dtype() == dt ? x : x.to(dt)};
}
Tensors op_expand(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Shape shape = broadcast(x.shape(), Shape(c.ints(1)), c.node);
  Tensor y = x;
  while (static_cast<size_t>(rank(y)) < shape.size()) y = y.unsqueeze(0);
  return {y.expand(shape)};
}
Tensors op_tile(const OpContext& c) {
  const Tensor& x = c.required(0);
  const std::vector<int64_t> repeats = c.ints(1);
  STRATA_CHECK(repeats.size() == static_cast<size_t>(rank(x)), "{}: {} repeats for rank {}", c.node.label(),
               repeats.size(), rank(x));
  Shape interleaved, expanded, out;
  for (size_t d = 0; d < repeats.size(); ++d) {
    interleaved.push_back(1);
    interleaved.push_back(x.shape()[d]);
    expanded.push_back(repeats[d]);
    expanded.push_back(x.shape()[d]);
    out.push_back(repeats[d] * x.shape()[d]);
  }
  return {x.reshape(interleaved).expand(expanded).reshape(out)};
}
Tensors op_range(const OpContext& c) {
  const Tensor& start = c.required(0);
  const double s = scalar(start), l = scalar(c.required(1)), d = scalar(c.required(2));
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((l - s) / d)));
  Tensor out = empty({n}, {.dtype = start.dtype()});
  for (int64_t i = 0; i < n; ++i) out.set_at({i}, s + static_cast<double>(i) * d);
  return {out};
}

Tensors op_depth_to_space(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t b = c.node.attr_int("blocksize", 0);
  const int64_t n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const bool crd = c.node.attr_string("mode", "DCR") == "CRD";
  const Tensor y = crd ? x.reshape({n, ch / (b * b), b, b, h, w}).permute({0, 1, 4, 2, 5, 3})
                       : x.reshape({n, b, b, ch / (b * b), h, w}).permute({0, 3, 4, 1, 5, 2});
  return {y.reshape({n, ch / (b * b), h * b, w * b})};
}
Tensors op_space_to_depth(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t b = c.node.attr_int("blocksize", 0);
  const int64_t n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  return {x.reshape({n, ch, h / b, b, w / b, b})
              .permute({0, 3, 5, 1, 2, 4})
              .reshape({n, ch * b * b, h / b, w / b})};
}

}  // namespace

void add_shape_ops(OperatorTable& table) {
  table.insert({
      {"Cast", op_cast},
      {"CastLike", op_cast_like},
      {"Concat", op_concat},
      {"Constant", op_constant},
      {"ConstantOfShape", op_constant_of_shape},
      {"DepthToSpace", op_depth_to_space},
      {"Dropout", op_dropout},
      {"Expand", op_expand},
      {"Flatten", op_flatten},
      {"Identity", op_identity},
      {"Range", op_range},
      {"Reshape", op_reshape},
      {"Shape", op_shape},
      {"Size", op_size},
      {"Slice", op_slice},
      {"SpaceToDepth", op_space_to_depth},
      {"Split", op_split},
      {"Squeeze", op_squeeze},
      {"Tile", op_tile},
      {"Transpose", op_transpose},
      {"Unsqueeze", op_unsqueeze},
  });
}

}  // namespace strata::onnx::detail
