// Joining, splitting, gathering and scattering: shape checks, kernel calls and backward rules written
// with ops (index_select <-> index_add, gather <-> scatter_add, pad <-> pad with the pads negated), so
// they run on every device and differentiate again. Index tensors are passed to `record` as inputs
// (with no gradient), so an in-place change to them before backward is caught.
#include "strata/ops/indexing.h"

#include <algorithm>
#include <string>

#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

void check_defined(const Tensor& t, const char* op, const char* what) {
  STRATA_CHECK(t.defined(), "{}: {} is undefined", op, what);
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op, const char* what) {
  STRATA_CHECK(a.device() == b.device(), "{}: x is on {} but {} is on {}", op, a.device().str(), what,
               b.device().str());
}

void check_index(const Tensor& x, const Tensor& index, const char* op, const char* what = "index") {
  check_defined(index, op, what);
  STRATA_CHECK(index.dtype() == kInt64, "{}: {} must be an i64 tensor, got {} of shape {}", op, what,
               dtype_name(index.dtype()), index.shape().str());
  check_same_device(x, index, op, what);
}

// Rank and sizes with a 0-dim tensor counted as one element along one dim (as PyTorch does).
int64_t rank1(const Tensor& t) { return std::max<int64_t>(t.dim(), 1); }
int64_t size1(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.shape()[static_cast<size_t>(d)]; }

// A contiguous copy of x as the starting point of an out-of-place scatter.
Tensor copy_of(const Tensor& x) {
  Tensor out = kernels::empty(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return out;
}

TensorOptions like(const Tensor& t) { return {.dtype = t.dtype(), .device = t.device()}; }

// Gradient of an index-shaped result brought to `shape` (src may be larger than index): zeros beyond.
Tensor grow_to(Tensor t, const Shape& shape) {
  if (t.shape() == shape) return t;
  if (static_cast<size_t>(t.dim()) != shape.size()) {
    t = reshape(t, shape.empty() ? Shape{} : Shape{t.numel()});
    if (t.shape() == shape) return t;
  }
  std::vector<int64_t> pads;
  for (size_t i = shape.size(); i-- > 0;) {
    pads.push_back(0);
    pads.push_back(shape[i] - t.shape()[i]);
  }
  return pad(t, pads, 0.0);
}

std::string join(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Shape rules shared by gather, scatter and scatter_add (src undefined for gather and scalar scatter).
void check_scatter_shapes(const Tensor& x, int64_t d, const Tensor& index, const Tensor& src,
                          const char* op) {
  STRATA_CHECK(rank1(index) == rank1(x), "{}: index of shape {} must have as many dims as x of shape {}", op,
               index.shape().str(), x.shape().str());
  for (int64_t k = 0; k < rank1(x); ++k) {
    STRATA_CHECK(k == d || size1(index, k) <= size1(x, k),
                 "{}: index of shape {} is larger than x of shape {} in dim {} (only dim {} may differ)", op,
                 index.shape().str(), x.shape().str(), k, d);
  }
  if (!src.defined()) return;
  STRATA_CHECK(src.dtype() == x.dtype(), "{}: src dtype {} must match x dtype {}", op,
               dtype_name(src.dtype()), dtype_name(x.dtype()));
  check_same_device(x, src, op, "src");
  STRATA_CHECK(rank1(src) == rank1(x), "{}: src of shape {} must have as many dims as x of shape {}", op,
               src.shape().str(), x.shape().str());
  for (int64_t k = 0; k < rank1(x); ++k) {
    STRATA_CHECK(size1(index, k) <= size1(src, k),
                 "{}: index of shape {} is larger than src of shape {} in dim {}", op, index.shape().str(),
                 src.shape().str(), k);
  }
}

// A 1-D (or 0-dim) i64 index for index_select / index_add.
void check_index_1d(const Tensor& x, const Tensor& index, const char* op) {
  check_index(x, index, op);
  STRATA_CHECK(index.dim() <= 1, "{}: index must be 1-D, got shape {}", op, index.shape().str());
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  STRATA_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  // Like PyTorch, 1-D tensors with no elements are skipped (only their dtype takes part).
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  Dtype dtype = tensors[0].defined() ? tensors[0].dtype() : kFloat32;
  int64_t ref = -1;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    STRATA_CHECK(t.defined(), "cat: tensor {} is undefined", i);
    STRATA_CHECK(t.dim() > 0, "cat: tensor {} is zero-dimensional and cannot be concatenated", i);
    STRATA_CHECK(t.device() == tensors[0].device(), "cat: tensor {} is on {} but tensor 0 is on {}", i,
                 t.device().str(), tensors[0].device().str());
    dtype = promote_types(dtype, t.dtype());
    if (ref < 0 && !skipped(t)) ref = static_cast<int64_t>(i);
  }
  if (ref < 0) {
    // Nothing but skipped tensors: an empty 1-D result, whatever dim says (as in PyTorch).
    Tensor out = kernels::empty({0}, dtype, tensors[0].device());
    return record("cat", out, tensors, [n = tensors.size()](const Tensor&) { return Grads(n); });
  }
  const Tensor& r = tensors[static_cast<size_t>(ref)];
  const int64_t d = wrap_dim(dim, r.dim(), "cat");
  Shape shape = r.shape();
  shape[static_cast<size_t>(d)] = 0;
  std::vector<int64_t> sizes;  // along d; -1 for skipped tensors
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) {
      sizes.push_back(-1);
      continue;
    }
    STRATA_CHECK(t.dim() == r.dim(), "cat: tensor {} has {} dims (shape {}) but tensor {} has {} (shape {})",
                 i, t.dim(), t.shape().str(), ref, r.dim(), r.shape().str());
    for (int64_t k = 0; k < r.dim(); ++k) {
      STRATA_CHECK(
          k == d || t.shape()[k] == r.shape()[k],
          "cat: sizes must match except in dim {}, but tensor {} has shape {} and tensor {} has shape {} "
          "(dim {})",
          d, i, t.shape().str(), ref, r.shape().str(), k);
    }
    sizes.push_back(t.shape()[static_cast<size_t>(d)]);
    shape[static_cast<size_t>(d)] += sizes.back();
  }
  Tensor out = kernels::empty(shape, dtype, r.device());
  kernels::cat(out, tensors, d);
  return record("cat", out, tensors, [d, sizes](const Tensor& g) {
    Grads grads;
    int64_t offset = 0;
    for (int64_t n : sizes) {
      grads.push_back(n < 0 ? Tensor() : narrow(g, d, offset, n));
      offset += std::max<int64_t>(n, 0);
    }
    return grads;
  });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  STRATA_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    STRATA_CHECK(tensors[i].defined(), "stack: tensor {} is undefined", i);
    STRATA_CHECK(
        tensors[i].shape() == tensors[0].shape(),
        "stack: expects tensors of equal shape, but tensor 0 has shape {} and tensor {} has shape {}",
        tensors[0].shape().str(), i, tensors[i].shape().str());
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  check_defined(x, "split", "x");
  STRATA_CHECK(x.dim() > 0, "split: expects a tensor with at least one dim, got a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  const int64_t n = x.size(d);
  STRATA_CHECK(split_size > 0 || (split_size == 0 && n == 0),
               "split: split_size must be positive, got {} (dim {} of size {}, shape {})", split_size, d, n,
               x.shape().str());
  const int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<Tensor> out;
  out.reserve(static_cast<size_t>(pieces));
  for (int64_t i = 0; i < pieces; ++i) {
    const int64_t start = i * split_size;
    out.push_back(narrow(x, d, start, std::min(split_size, n - start)));
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  check_defined(x, "split", "x");
  STRATA_CHECK(x.dim() > 0, "split: expects a tensor with at least one dim, got a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  const int64_t n = x.size(d);
  int64_t total = 0;
  for (int64_t s : sizes) {
    STRATA_CHECK(s >= 0, "split: split sizes must be non-negative, got {}", join(sizes));
    total += s;
  }
  STRATA_CHECK(total == n, "split: split sizes {} sum to {} but dim {} has size {} (shape {})", join(sizes),
               total, d, n, x.shape().str());
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  check_defined(x, "chunk", "x");
  STRATA_CHECK(x.dim() > 0, "chunk: expects a tensor with at least one dim, got a 0-dim tensor");
  STRATA_CHECK(chunks > 0, "chunk: chunks must be positive, got {}", chunks);
  const int64_t d = wrap_dim(dim, x.dim(), "chunk");
  const int64_t n = x.size(d);
  const int64_t size = (n + chunks - 1) / chunks;
  // An empty dim still gives `chunks` empty pieces, as in PyTorch.
  if (n == 0) return split(x, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split(x, size, d);
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "index_select", "x");
  check_index_1d(x, index, "index_select");
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  STRATA_CHECK(x.dim() > 0 || index.numel() == 1,
               "index_select: a 0-dim x takes exactly one index, got index of shape {}", index.shape().str());
  Tensor out = kernels::index_select(x, d, index, "index_select");
  return record("index_select", out, {x, index}, [in = x.shape(), d, index](const Tensor& g) {
    return Grads{index_add(zeros(in, like(g)), d, index, g), Tensor()};
  });
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "index_add", "x");
  check_defined(src, "index_add", "src");
  check_index_1d(x, index, "index_add");
  check_same_device(x, src, "index_add", "src");
  const int64_t d = wrap_dim(dim, x.dim(), "index_add");
  STRATA_CHECK(src.dtype() == x.dtype(), "index_add: src dtype {} must match x dtype {}",
               dtype_name(src.dtype()), dtype_name(x.dtype()));
  STRATA_CHECK(rank1(src) == rank1(x), "index_add: src of shape {} must have as many dims as x of shape {}",
               src.shape().str(), x.shape().str());
  STRATA_CHECK(size1(src, d) == index.numel(),
               "index_add: src of shape {} has {} entries along dim {} but index has {} (shape {})",
               src.shape().str(), size1(src, d), d, index.numel(), index.shape().str());
  for (int64_t k = 0; k < rank1(x); ++k) {
    STRATA_CHECK(k == d || size1(src, k) == size1(x, k),
                 "index_add: src of shape {} does not match x of shape {} in dim {} (only dim {} may differ)",
                 src.shape().str(), x.shape().str(), k, d);
  }
  Tensor out = copy_of(x);
  kernels::index_add_(out, d, index, src, "index_add");
  return record("index_add", out, {x, index, src}, [d, index, ss = src.shape()](const Tensor& g) {
    Tensor gs = index_select(g, d, index);
    return Grads{g, Tensor(), gs.shape() == ss ? gs : reshape(gs, ss)};
  });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "gather", "x");
  check_index(x, index, "gather");
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_scatter_shapes(x, d, index, Tensor(), "gather");
  Tensor out = kernels::gather(x, d, index, "gather");
  return record("gather", out, {x, index}, [in = x.shape(), d, index](const Tensor& g) {
    return Grads{scatter_add(zeros(in, like(g)), d, index, g), Tensor()};
  });
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "scatter", "x");
  check_defined(src, "scatter", "src");
  check_index(x, index, "scatter");
  const int64_t d = wrap_dim(dim, x.dim(), "scatter");
  check_scatter_shapes(x, d, index, src, "scatter");
  Tensor out = copy_of(x);
  kernels::scatter_(out, d, index, src, /*accumulate=*/false, "scatter");
  return record(
      "scatter", out, {x, index, src},
      [d, index, ss = src.shape(), gx = x.requires_grad(), gs = src.requires_grad()](const Tensor& g) {
        return Grads{gx ? scatter(g, d, index, 0.0) : Tensor(), Tensor(),
                     gs ? grow_to(gather(g, d, index), ss) : Tensor()};
      });
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, double value) {
  check_defined(x, "scatter", "x");
  check_index(x, index, "scatter");
  const int64_t d = wrap_dim(dim, x.dim(), "scatter");
  check_scatter_shapes(x, d, index, Tensor(), "scatter");
  Tensor out = copy_of(x);
  kernels::scatter_fill_(out, d, index, value, "scatter");
  return record("scatter", out, {x, index}, [d, index](const Tensor& g) {
    return Grads{scatter(g, d, index, 0.0), Tensor()};
  });
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "scatter_add", "x");
  check_defined(src, "scatter_add", "src");
  check_index(x, index, "scatter_add");
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  check_scatter_shapes(x, d, index, src, "scatter_add");
  Tensor out = copy_of(x);
  kernels::scatter_(out, d, index, src, /*accumulate=*/true, "scatter_add");
  return record("scatter_add", out, {x, index, src},
                [d, index, ss = src.shape(), gs = src.requires_grad()](const Tensor& g) {
                  return Grads{g, Tensor(), gs ? grow_to(gather(g, d, index), ss) : Tensor()};
                });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined(x, "masked_fill", "x");
  check_defined(mask, "masked_fill", "mask");
  STRATA_CHECK(mask.dtype() == kUInt8, "masked_fill: mask must be a u8 (bool) tensor, got {} of shape {}",
               dtype_name(mask.dtype()), mask.shape().str());
  check_same_device(x, mask, "masked_fill", "mask");
  broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  Tensor out = kernels::where(mask, full({}, value, like(x)), x);
  return record("masked_fill", out, {x, mask}, [mask, in = x.shape()](const Tensor& g) {
    return Grads{sum_to(masked_fill(g, mask, 0.0), in), Tensor()};
  });
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  check_defined(indices, "one_hot", "indices");
  STRATA_CHECK(indices.dtype() == kInt64, "one_hot: indices must be an i64 tensor, got {} of shape {}",
               dtype_name(indices.dtype()), indices.shape().str());
  return kernels::one_hot(indices, num_classes, "one_hot");
}

Tensor embedding(const Tensor& indices, const Tensor& weight) {
  check_defined(weight, "embedding", "weight");
  check_index(weight, indices, "embedding", "indices");
  STRATA_CHECK(weight.dim() == 2,
               "embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape {}",
               weight.shape().str());
  const Tensor flat = indices.dim() == 1 ? indices : reshape(indices, {indices.numel()});
  Tensor rows = kernels::index_select(weight, 0, flat, "embedding");
  Shape shape = indices.shape();
  shape.push_back(weight.shape()[1]);
  Tensor out = detach(rows).view(shape);
  return record("embedding", out, {indices, weight}, [flat, ws = weight.shape()](const Tensor& g) {
    return Grads{Tensor(), index_add(zeros(ws, like(g)), 0, flat, reshape(g, {flat.numel(), ws[1]}))};
  });
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  check_defined(x, "pad", "x");
  STRATA_CHECK(pads.size() % 2 == 0, "pad: pads must come in (before, after) pairs, got {} values {}",
               pads.size(), join(pads));
  const int64_t pairs = static_cast<int64_t>(pads.size() / 2);
  STRATA_CHECK(pairs <= x.dim(), "pad: {} (before, after) pairs {} given for x of shape {} with {} dims",
               pairs, join(pads), x.shape().str(), x.dim());
  Shape shape = x.shape();
  for (int64_t j = 0; j < pairs; ++j) {
    const size_t k = static_cast<size_t>(x.dim() - 1 - j);
    const int64_t before = pads[2 * j], after = pads[2 * j + 1], n = x.shape()[k];
    STRATA_CHECK(n + before + after >= 0,
                 "pad: pads ({}, {}) on dim {} of size {} give a negative size (x shape {})", before, after,
                 k, n, x.shape().str());
    STRATA_CHECK(n - std::max<int64_t>(-before, 0) - std::max<int64_t>(-after, 0) >= 0,
                 "pad: pads ({}, {}) on dim {} crop more than its size {} (x shape {})", before, after, k, n,
                 x.shape().str());
    shape[k] = n + before + after;
  }
  Tensor out = kernels::empty(shape, x.dtype(), x.device());
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    Tensor src = detach(x), dst = out;
    for (int64_t j = 0; j < pairs; ++j) {
      const int64_t k = x.dim() - 1 - j;
      const int64_t before = pads[2 * j], after = pads[2 * j + 1];
      const int64_t keep = x.size(k) - std::max<int64_t>(-before, 0) - std::max<int64_t>(-after, 0);
      // Only the borders hold `value`; the rest is overwritten by x.
      if (before > 0) kernels::fill(narrow(out, k, 0, before), value);
      if (after > 0) kernels::fill(narrow(out, k, shape[static_cast<size_t>(k)] - after, after), value);
      src = narrow(src, k, std::max<int64_t>(-before, 0), keep);
      dst = narrow(dst, k, std::max<int64_t>(before, 0), keep);
    }
    if (dst.numel() > 0) kernels::copy(dst, src);
  }
  std::vector<int64_t> back(pads.size());
  std::transform(pads.begin(), pads.end(), back.begin(), [](int64_t p) { return -p; });
  return record("pad", out, {x}, [back](const Tensor& g) { return Grads{pad(g, back, 0.0)}; });
}

}  // namespace strata::ops
