// View ops share storage and record a backward that maps the gradient back to the input's shape.
#include "strata/ops/view.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "kernels/elementwise.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/reduction.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

// A view of x's storage with new geometry (no autograd).
Tensor make_view(const Tensor& x, const Shape& shape, const Strides& strides, int64_t offset) {
  return Tensor(make_intrusive<TensorImpl>(x.impl()->storage, shape, strides, offset, x.dtype()));
}

// Resolves a single -1 and checks the element count.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      STRATA_CHECK(infer < 0, "{}: only one dimension can be -1 in shape {}", op, shape.str());
      infer = static_cast<int64_t>(i);
    } else {
      STRATA_CHECK(out[i] >= 0, "{}: invalid size {} in shape {}", op, out[i], shape.str());
      known *= out[i];
    }
  }
  if (infer >= 0) {
    STRATA_CHECK(known != 0 && numel % known == 0,
                 "{}: shape {} is invalid for input of shape {} ({} elements)", op, shape.str(), from.str(),
                 numel);
    out[infer] = numel / known;
  }
  STRATA_CHECK(out.numel() == numel, "{}: shape {} is invalid for input of shape {} ({} elements)", op,
               shape.str(), from.str(), numel);
  return out;
}

// Strides for viewing (shape, strides) as new_shape without copying, if possible (PyTorch's rule:
// each group of old dims that merges into new dims must itself be contiguous).
std::optional<Strides> view_strides(const Shape& shape, const Strides& strides, const Shape& new_shape) {
  Strides out = Strides::filled(new_shape.size(), 1);
  if (shape.numel() == 0 || shape.empty()) return contiguous_strides(new_shape);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  const Shape new_shape = infer_shape(shape, x.numel(), "view", x.shape());
  auto st = view_strides(x.shape(), x.strides(), new_shape);
  STRATA_CHECK(
      st.has_value(),
      "view: shape {} is not compatible with the input's shape {} and strides {}; use reshape (which "
      "copies) instead",
      new_shape.str(), x.shape().str(), x.strides().str());
  Tensor out = make_view(x, new_shape, *st, x.offset());
  return record("view", out, {x}, [in = x.shape()](const Tensor& g) { return Grads{reshape(g, in)}; });
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  const Shape new_shape = infer_shape(shape, x.numel(), "reshape", x.shape());
  if (view_strides(x.shape(), x.strides(), new_shape)) return view(x, new_shape);
  return view(clone(x), new_shape);
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  const int64_t d0 = wrap_dim(dim0, x.dim(), "transpose"), d1 = wrap_dim(dim1, x.dim(), "transpose");
  if (x.dim() == 0) return x;
  Shape shape = x.shape();
  Strides st = x.strides();
  std::swap(shape[d0], shape[d1]);
  std::swap(st[d0], st[d1]);
  Tensor out = make_view(x, shape, st, x.offset());
  return record("transpose", out, {x}, [d0, d1](const Tensor& g) { return Grads{transpose(g, d0, d1)}; });
}

Tensor permute(const Tensor& x, const Shape& dims) {
  STRATA_CHECK(static_cast<int64_t>(dims.size()) == x.dim(),
               "permute: {} dims given for a tensor of shape {}", dims.size(), x.shape().str());
  Shape shape, inverse = Shape::filled(dims.size(), 0);
  Strides st;
  std::array<bool, kMaxDims> seen{};
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], x.dim(), "permute");
    STRATA_CHECK(!seen[d], "permute: dim {} repeats in {}", d, dims.str());
    seen[d] = true;
    shape.push_back(x.shape()[d]);
    st.push_back(x.strides()[d]);
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor out = make_view(x, shape, st, x.offset());
  return record("permute", out, {x}, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  STRATA_CHECK(x.dim() > 0, "slice: cannot slice a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "slice");
  STRATA_CHECK(step > 0, "slice: step must be positive, got {}", step);
  const int64_t n = x.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = x.shape();
  Strides st = x.strides();
  shape[d] = (end - start + step - 1) / step;
  st[d] = x.strides()[d] * step;
  Tensor out = make_view(x, shape, st, x.offset() + start * x.strides()[d]);
  return record("slice", out, {x}, [in = x.shape(), d, start, end, step](const Tensor& g) {
    return Grads{slice_scatter(g, in, d, start, end, step)};
  });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const int64_t d = wrap_dim(dim, x.dim(), "narrow");
  const int64_t n = x.shape()[d];
  if (start < 0) start += n;
  STRATA_CHECK(start >= 0 && length >= 0 && start + length <= n,
               "narrow: range [{}, {}) is out of bounds for dim {} of size {} (shape {})", start,
               start + length, d, n, x.shape().str());
  return slice(x, d, start, start + length, 1);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  STRATA_CHECK(x.dim() > 0, "select: cannot select from a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "select");
  const int64_t n = x.shape()[d];
  STRATA_CHECK(index >= -n && index < n, "select: index {} is out of range for dim {} of size {} (shape {})",
               index, d, n, x.shape().str());
  if (index < 0) index += n;
  Shape shape = x.shape();
  Strides st = x.strides();
  shape.erase(d);
  st.erase(d);
  Tensor out = make_view(x, shape, st, x.offset() + index * x.strides()[d]);
  return record("select", out, {x}, [in = x.shape(), d, index](const Tensor& g) {
    return Grads{slice_scatter(unsqueeze(g, d), in, d, index, index + 1, 1)};
  });
}

Tensor expand(const Tensor& x, const Shape& shape) {
  STRATA_CHECK(shape.size() >= x.shape().size(), "expand: cannot expand shape {} to fewer dims {}",
               x.shape().str(), shape.str());
  const size_t lead = shape.size() - x.shape().size();
  Shape out_shape = shape;
  Strides st = Strides::filled(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      STRATA_CHECK(shape[i] >= 0, "expand: size -1 is not allowed for new leading dim {} in {}", i,
                   shape.str());
      continue;
    }
    const int64_t have = x.shape()[i - lead];
    const int64_t want = shape[i] == -1 ? have : shape[i];
    STRATA_CHECK(have == want || have == 1, "expand: shape {} cannot be expanded to {} (dim {}: {} vs {})",
                 x.shape().str(), shape.str(), i, have, want);
    out_shape[i] = want;
    st[i] = have == want ? x.strides()[i - lead] : 0;
  }
  if (out_shape == x.shape()) return x;
  Tensor out = make_view(x, out_shape, st, x.offset());
  return record("expand", out, {x}, [in = x.shape()](const Tensor& g) { return Grads{sum_to(g, in)}; });
}

Tensor squeeze(const Tensor& x) {
  Shape shape;
  for (int64_t s : x.shape()) {
    if (s != 1) shape.push_back(s);
  }
  return shape == x.shape() ? x : view(x, shape);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) return x;
  const int64_t d = wrap_dim(dim, x.dim(), "squeeze");
  if (x.shape()[d] != 1) return x;
  Shape shape = x.shape();
  Strides st = x.strides();
  shape.erase(d);
  st.erase(d);
  Tensor out = make_view(x, shape, st, x.offset());
  return record("squeeze", out, {x}, [d](const Tensor& g) { return Grads{unsqueeze(g, d)}; });
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  Strides st = x.strides();
  const int64_t stride = d < x.dim() ? x.strides()[d] * x.shape()[d] : 1;
  shape.insert(d, 1);
  st.insert(d, stride);
  Tensor out = make_view(x, shape, st, x.offset());
  return record("unsqueeze", out, {x}, [d](const Tensor& g) { return Grads{squeeze(g, d)}; });
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  const int64_t s = wrap_dim(start_dim, x.dim(), "flatten"), e = wrap_dim(end_dim, x.dim(), "flatten");
  STRATA_CHECK(s <= e, "flatten: start_dim {} comes after end_dim {}", s, e);
  Shape shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(x.shape()[d]);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= x.shape()[d];
  shape.push_back(merged);
  for (int64_t d = e + 1; d < x.dim(); ++d) shape.push_back(x.shape()[d]);
  return reshape(x, shape);
}

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

Tensor clone(const Tensor& x) {
  Tensor out = kernels::empty(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return record("clone", out, {x}, [](const Tensor& g) { return Grads{g}; });
}

Tensor to_dtype(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = kernels::empty(x.shape(), dtype, x.device());
  kernels::copy(out, x);
  if (!is_floating(dtype)) return out;
  return record("to", out, {x}, [from = x.dtype()](const Tensor& g) { return Grads{to_dtype(g, from)}; });
}

Tensor detach(const Tensor& x) { return make_view(x, x.shape(), x.strides(), x.offset()); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  STRATA_CHECK(shape.size() <= x.shape().size(), "sum_to: cannot sum shape {} to {}", x.shape().str(),
               shape.str());
  const size_t lead = x.shape().size() - shape.size();
  Shape dims;
  for (size_t i = 0; i < x.shape().size(); ++i) {
    if (i < lead) {
      dims.push_back(static_cast<int64_t>(i));
    } else if (shape[i - lead] == 1 && x.shape()[i] != 1) {
      dims.push_back(static_cast<int64_t>(i));
    } else {
      STRATA_CHECK(shape[i - lead] == x.shape()[i], "sum_to: cannot sum shape {} to {}", x.shape().str(),
                   shape.str());
    }
  }
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, /*keepdim=*/true), shape);
}

Tensor slice_scatter(const Tensor& src, const Shape& shape, int64_t dim, int64_t start, int64_t end,
                     int64_t step) {
  Tensor out = zeros(shape, {.dtype = src.dtype(), .device = src.device()});
  {
    NoGradGuard no_grad;
    kernels::copy(slice(out, dim, start, end, step), src);
  }
  return record("slice_scatter", out, {src},
                [dim, start, end, step](const Tensor& g) { return Grads{slice(g, dim, start, end, step)}; });
}

}  // namespace strata::ops

namespace strata {

Tensor Tensor::view(const Shape& shape) const { return ops::view(*this, shape); }
Tensor Tensor::reshape(const Shape& shape) const { return ops::reshape(*this, shape); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return ops::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const {
  STRATA_CHECK(dim() <= 2, "t: expects a tensor with at most 2 dims, got shape {}", shape().str());
  return dim() < 2 ? *this : ops::transpose(*this, 0, 1);
}
Tensor Tensor::permute(const Shape& dims) const { return ops::permute(*this, dims); }
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return ops::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return ops::narrow(*this, dim, start, length);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return ops::select(*this, dim, index); }
Tensor Tensor::expand(const Shape& shape) const { return ops::expand(*this, shape); }
Tensor Tensor::expand_as(const Tensor& other) const { return ops::expand(*this, other.shape()); }
Tensor Tensor::squeeze() const { return ops::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return ops::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return ops::unsqueeze(*this, dim); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  return ops::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::contiguous() const { return ops::contiguous(*this); }
Tensor Tensor::clone() const { return ops::clone(*this); }
Tensor Tensor::to(Dtype dtype) const { return ops::to_dtype(*this, dtype); }
Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  STRATA_FAIL("to: cannot move a tensor from {} to {}: strata was built without CUDA", this->device().str(),
              device.str());
}
Tensor Tensor::detach() const { return ops::detach(*this); }

}  // namespace strata
