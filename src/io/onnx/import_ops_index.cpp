// The ONNX importer's gathering and scattering: Gather(Elements, ND), Scatter(Elements, ND), OneHot, NonZero,
// Compress.
#include <algorithm>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_gather(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  const Tensor& index = c.required(1);
  const int64_t dim = x.shape()[static_cast<size_t>(axis)];
  std::vector<int64_t> idx = c.ints(1);
  for (auto& i : idx) {
    if (i < 0) i += dim;
    STRATA_CHECK(i >= 0 && i < dim, "{}: index out of range for dimension {} of size {}", c.node.label(),
                 axis, dim);
  }
  const Tensor flat = F::index_select(x, axis, from_vector<int64_t>(idx, {static_cast<int64_t>(idx.size())}));
  Shape out;
  for (int64_t d = 0; d < axis; ++d) out.push_back(x.shape()[static_cast<size_t>(d)]);
  for (int64_t s : index.shape()) out.push_back(s);
  for (int64_t d = axis + 1; d < rank(x); ++d) out.push_back(x.shape()[static_cast<size_t>(d)]);
  return {flat.reshape(out)};
}

Tensors op_gather_elements(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  const Tensor index = c.required(1).to(kInt64);
  const double dim = static_cast<double>(x.shape()[static_cast<size_t>(axis)]);
  return {F::gather(x, axis, F::add(index, F::mul(F::lt(index, 0.0).to(kInt64), dim)))};
}

Tensors op_one_hot(const OpContext& c) {
  const Tensor& indices = c.required(0);
  const int64_t depth = static_cast<int64_t>(scalar(c.required(1)));
  const Tensor& values = c.required(2);
  const int64_t r = rank(indices) + 1;
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), r, c.node);
  Tensor idx = indices.is_floating_point() ? trunc(indices).to(kInt64) : indices.to(kInt64);
  idx = F::add(idx, F::mul(F::lt(idx, 0.0).to(kInt64), static_cast<double>(depth))).unsqueeze(axis);
  const Tensor hot = F::eq(positions(depth, axis, r), idx);
  return {F::where(hot, values.select(0, 1), values.select(0, 0))};
}

Tensors op_nonzero(const OpContext& c) {
  const Tensor x = c.required(0).contiguous();
  const std::vector<double> v = x.to(kFloat64).contiguous().to_vector<double>();
  const int64_t r = std::max<int64_t>(rank(x), 1);
  std::vector<int64_t> hits;
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != 0) hits.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> out(static_cast<size_t>(r) * hits.size());
  for (size_t h = 0; h < hits.size(); ++h) {
    int64_t flat = hits[h];
    for (int64_t d = r; d-- > 0;) {
      const int64_t size = rank(x) == 0 ? 1 : x.shape()[static_cast<size_t>(d)];
      out[static_cast<size_t>(d) * hits.size() + h] = flat % size;
      flat /= size;
    }
  }
  return {from_vector<int64_t>(out, {r, static_cast<int64_t>(hits.size())})};
}

Tensors op_compress(const OpContext& c) {
  const Tensor& x = c.required(0);
  const std::vector<int64_t> cond = c.ints(1);
  Tensor data = x;
  int64_t axis = 0;
  if (c.node.has("axis")) {
    axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  } else {
    data = x.reshape({x.numel()});
  }
  std::vector<int64_t> keep;
  for (size_t i = 0; i < cond.size() && static_cast<int64_t>(i) < data.shape()[static_cast<size_t>(axis)];
       ++i)
    if (cond[i] != 0) keep.push_back(static_cast<int64_t>(i));
  return {F::index_select(data, axis, from_vector<int64_t>(keep, {static_cast<int64_t>(keep.size())}))};
}
Tensors op_scatter_elements(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  const Tensor index = c.required(1).to(kInt64);
  const double dim = static_cast<double>(x.shape()[static_cast<size_t>(axis)]);
  const Tensor idx = F::add(index, F::mul(F::lt(index, 0.0).to(kInt64), dim));
  const std::string reduction = c.node.attr_string("reduction", "none");
  if (reduction == "add") return {F::scatter_add(x, axis, idx, c.required(2))};
  STRATA_CHECK(reduction == "none", "{}: reduction '{}' is not supported (none, add are)", c.node.label(),
               reduction);
  return {F::scatter(x, axis, idx, c.required(2))};
}
// The flat row-major offsets of every index tuple of GatherND / ScatterND into x's first batch + k dims; the
// tuples of batch element b (the leading `batch` dims of x and index) index that element only.
std::vector<int64_t> nd_offsets(const Tensor& x, const std::vector<int64_t>& index, int64_t k, int64_t batch,
                                int64_t tuples_per_batch, const Node& n) {
  int64_t block = 1;
  for (int64_t d = batch; d < batch + k; ++d) block *= x.shape()[static_cast<size_t>(d)];
  std::vector<int64_t> out;
  for (size_t t = 0; t < index.size(); t += static_cast<size_t>(k)) {
    int64_t flat = 0;
    for (int64_t d = 0; d < k; ++d) {
      const int64_t size = x.shape()[static_cast<size_t>(batch + d)];
      int64_t i = index[t + static_cast<size_t>(d)];
      if (i < 0) i += size;
      STRATA_CHECK(i >= 0 && i < size, "{}: index {} out of range for dimension {} of size {}", n.label(), i,
                   batch + d, size);
      flat = flat * size + i;
    }
    const int64_t b = batch == 0 ? 0
                                 : static_cast<int64_t>(t / static_cast<size_t>(k)) /
                                       std::max<int64_t>(tuples_per_batch, 1);
    out.push_back(b * block + flat);
  }
  return out;
}
Tensors op_gather_nd(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor& index = c.required(1);
  const int64_t batch = c.node.attr_int("batch_dims", 0);
  const int64_t k = index.shape().back();
  int64_t batches = 1;
  for (int64_t d = 0; d < batch; ++d) batches *= index.shape()[static_cast<size_t>(d)];
  const int64_t tuples = index.numel() / std::max<int64_t>(k, 1);
  const std::vector<int64_t> offsets =
      nd_offsets(x, c.ints(1), k, batch, tuples / std::max<int64_t>(batches, 1), c.node);
  Shape inner;
  int64_t lead = 1;
  for (int64_t d = 0; d < rank(x); ++d) {
    if (d < batch + k) {
      lead *= x.shape()[static_cast<size_t>(d)];
    } else {
      inner.push_back(x.shape()[static_cast<size_t>(d)]);
    }
  }
  Shape flat_shape{lead};
  for (int64_t s : inner) flat_shape.push_back(s);
  const Tensor rows = F::index_select(x.reshape(flat_shape), 0,
                                      from_vector<int64_t>(offsets, {static_cast<int64_t>(offsets.size())}));
  Shape out;
  for (size_t d = 0; d + 1 < index.shape().size(); ++d) out.push_back(index.shape()[d]);
  for (int64_t s : inner) out.push_back(s);
  return {rows.reshape(out)};
}
Tensors op_scatter_nd(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor& index = c.required(1);
  const std::string reduction = c.node.attr_string("reduction", "none");
  STRATA_CHECK(reduction == "none" || reduction == "add" || reduction == "mul",
               "{}: reduction '{}' is not supported (none, add, mul are)", c.node.label(), reduction);
  const int64_t k = index.shape().back();
  const std::vector<int64_t> offsets = nd_offsets(x, c.ints(1), k, 0, 0, c.node);
  Shape flat_shape{1};
  for (int64_t d = 0; d < rank(x); ++d) {
    if (d < k) {
      flat_shape[0] *= x.shape()[static_cast<size_t>(d)];
    } else {
      flat_shape.push_back(x.shape()[static_cast<size_t>(d)]);
    }
  }
  Shape upd_shape = flat_shape;
  upd_shape[0] = static_cast<int64_t>(offsets.size());
  const Tensor flat = x.reshape(flat_shape);
  const Tensor updates = c.required(2).reshape(upd_shape);
  const Tensor idx = from_vector<int64_t>(offsets, {static_cast<int64_t>(offsets.size())});
  if (reduction == "add") return {F::index_add(flat, 0, idx, updates).reshape(x.shape())};
  if (reduction == "mul") {  // each update multiplies its row, one after another
    Tensor y = flat;
    Shape row_shape(std::vector<int64_t>(flat_shape.size(), 1));
    row_shape[0] = flat_shape[0];
    for (size_t i = 0; i < offsets.size(); ++i) {
      const Tensor at = F::eq(positions(flat_shape[0], 0, static_cast<int64_t>(flat_shape.size())),
                              static_cast<double>(offsets[i]));
      y = F::where(at, F::mul(y, updates.select(0, static_cast<int64_t>(i)).unsqueeze(0)), y);
    }
    return {y.reshape(x.shape())};
  }
  // Rows replaced: keep the others (mask) and add the updates at their rows.
  std::vector<double> keep(static_cast<size_t>(flat_shape[0]), 1.0);
  for (int64_t o : offsets) keep[static_cast<size_t>(o)] = 0.0;
  Shape keep_shape(std::vector<int64_t>(flat_shape.size(), 1));
  keep_shape[0] = flat_shape[0];
  const Tensor kept = F::mul(flat, from_vector<double>(keep, keep_shape).to(x.dtype()));
  return {F::index_add(kept, 0, idx, updates).reshape(x.shape())};
}

}  // namespace

void add_index_ops(OperatorTable& table) {
  table.insert({
      {"Compress", op_compress},
      {"Gather", op_gather},
      {"GatherElements", op_gather_elements},
      {"GatherND", op_gather_nd},
      {"NonZero", op_nonzero},
      {"OneHot", op_one_hot},
      {"ScatterElements", op_scatter_elements},
      {"ScatterND", op_scatter_nd},
  });
}

}  // namespace strata::onnx::detail
