// The ONNX operators import_model understands, each written with strata ops (so every one is
// differentiable where its strata ops are). Each follows the ONNX operator specification for opsets 1 to 18:
// where an operator moved an attribute to an input (Squeeze's axes, Clip's bounds, Slice's starts, ...)
// both forms are read. A case outside what strata computes (a mode, an activation, a dimension) throws a
// strata::Error naming the attribute and its value.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "import_graph.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

// ---- Node and OpContext helpers ------------------------------------------------------------------

std::string Node::label() const { return fmt::format("{} '{}'", op_type, name); }

namespace {
const Attribute* find_attr(const Node& n, const std::string& attr, Attribute::Kind kind) {
  auto it = n.attributes.find(attr);
  if (it == n.attributes.end()) return nullptr;
  STRATA_CHECK(it->second.kind == kind, "{}: attribute '{}' has an unexpected type", n.label(), attr);
  return &it->second;
}
}  // namespace

int64_t Node::attr_int(const std::string& attr, int64_t fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Int);
  return a ? a->i : fallback;
}
double Node::attr_float(const std::string& attr, double fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Float);
  return a ? a->f : fallback;
}
std::string Node::attr_string(const std::string& attr, const std::string& fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::String);
  return a ? a->s : fallback;
}
std::vector<int64_t> Node::attr_ints(const std::string& attr, const std::vector<int64_t>& fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Ints);
  return a ? a->ints : fallback;
}
std::vector<double> Node::attr_floats(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Floats);
  return a ? a->floats : std::vector<double>{};
}
std::vector<std::string> Node::attr_strings(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Strings);
  return a ? a->strings : std::vector<std::string>{};
}
Tensor Node::attr_tensor(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Tensor);
  return a ? a->t : Tensor();
}

const Tensor& OpContext::in(size_t i) const {
  static const Tensor kNone;
  return i < inputs.size() ? inputs[i] : kNone;
}
const Tensor& OpContext::required(size_t i) const {
  STRATA_CHECK(in(i).defined(), "{}: input {} is required", node.label(), i);
  return in(i);
}
std::vector<int64_t> OpContext::ints(size_t i) const {
  const Tensor& t = required(i);
  return t.dtype() == kInt64 ? t.contiguous().to_vector<int64_t>()
                             : t.to(kInt64).contiguous().to_vector<int64_t>();
}

namespace {

using Tensors = std::vector<Tensor>;

int64_t norm_axis(int64_t axis, int64_t rank, const Node& n) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  STRATA_CHECK(a >= 0 && a < std::max<int64_t>(rank, 1), "{}: axis {} is out of range for rank {}", n.label(),
               axis, rank);
  return a;
}

int64_t rank(const Tensor& t) { return static_cast<int64_t>(t.dim()); }

double scalar(const Tensor& t) { return t.to(kFloat64).contiguous().to_vector<double>().at(0); }

// Broadcast two shapes as NumPy does.
Shape broadcast(const Shape& a, const Shape& b, const Node& n) {
  const size_t r = std::max(a.size(), b.size());
  Shape out;
  for (size_t i = 0; i < r; ++i) {
    const int64_t x = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t y = i + b.size() >= r ? b[i + b.size() - r] : 1;
    STRATA_CHECK(x == y || x == 1 || y == 1, "{}: shapes {} and {} do not broadcast", n.label(), a.str(),
                 b.str());
    out.push_back(x == 1 ? y : x);
  }
  return out;
}

// ---- elementwise ----------------------------------------------------------------------------------

// Integer results keep the integer type (ONNX's rule), floating ones the inputs' type.
Tensor keep_type(const Tensor& out, const Tensor& like) {
  return out.dtype() == like.dtype() ? out : out.to(like.dtype());
}

Tensors op_add(const OpContext& c) { return {F::add(c.required(0), c.required(1))}; }
Tensors op_sub(const OpContext& c) { return {F::sub(c.required(0), c.required(1))}; }
Tensors op_mul(const OpContext& c) { return {F::mul(c.required(0), c.required(1))}; }
Tensors op_div(const OpContext& c) {
  const Tensor& a = c.required(0);
  if (!a.is_floating_point())  // integer division truncates toward zero (as the f64 -> i64 conversion does)
    return {F::div(a.to(kFloat64), c.required(1).to(kFloat64)).to(kInt64)};
  return {F::div(a, c.required(1))};
}
Tensors op_pow(const OpContext& c) {
  return {keep_type(F::pow(c.required(0), c.required(1)), c.required(0))};
}
Tensors op_sqrt(const OpContext& c) { return {F::sqrt(c.required(0))}; }
Tensors op_exp(const OpContext& c) { return {F::exp(c.required(0))}; }
Tensors op_log(const OpContext& c) { return {F::log(c.required(0))}; }
Tensors op_neg(const OpContext& c) { return {F::neg(c.required(0))}; }
Tensors op_abs(const OpContext& c) { return {F::abs(c.required(0))}; }
Tensors op_sign(const OpContext& c) { return {F::sign(c.required(0))}; }
Tensors op_reciprocal(const OpContext& c) { return {F::reciprocal(c.required(0))}; }
Tensors op_sin(const OpContext& c) { return {F::sin(c.required(0))}; }
Tensors op_cos(const OpContext& c) { return {F::cos(c.required(0))}; }
Tensors op_erf(const OpContext& c) { return {F::erf(c.required(0))}; }

// Sum, Mean, Max, Min over any number of inputs, broadcasting.
template <int Kind>
Tensors op_variadic(const OpContext& c) {
  Tensor acc = c.required(0);
  for (size_t i = 1; i < c.inputs.size(); ++i) {
    const Tensor& x = c.required(i);
    acc = Kind == 0 || Kind == 1 ? F::add(acc, x) : Kind == 2 ? F::maximum(acc, x) : F::minimum(acc, x);
  }
  if (Kind == 1) acc = F::div(acc, static_cast<double>(c.inputs.size()));
  if (c.inputs.size() == 1) acc = acc.clone();
  return {acc};
}

// ---- activations ---------------------------------------------------------------------------------

Tensors op_relu(const OpContext& c) { return {F::relu(c.required(0))}; }
Tensors op_sigmoid(const OpContext& c) { return {F::sigmoid(c.required(0))}; }
Tensors op_tanh(const OpContext& c) { return {F::tanh(c.required(0))}; }
Tensors op_leaky_relu(const OpContext& c) {
  return {F::leaky_relu(c.required(0), c.node.attr_float("alpha", 0.01))};
}
Tensors op_elu(const OpContext& c) { return {F::elu(c.required(0), c.node.attr_float("alpha", 1.0))}; }
Tensors op_selu(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double alpha = c.node.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = c.node.attr_float("gamma", 1.05070102214813232421875);
  return {F::mul(F::where(F::gt(x, 0.0), x, F::mul(F::sub(F::exp(x), 1.0), alpha)), gamma)};
}
Tensors op_celu(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double alpha = c.node.attr_float("alpha", 1.0);
  return {
      F::add(F::relu(x), F::clamp(F::mul(F::sub(F::exp(F::div(x, alpha)), 1.0), alpha), std::nullopt, 0.0))};
}
Tensors op_hard_sigmoid(const OpContext& c) {
  const double alpha = c.node.attr_float("alpha", 0.2), beta = c.node.attr_float("beta", 0.5);
  return {F::clamp(F::add(F::mul(c.required(0), alpha), beta), 0.0, 1.0)};
}
Tensors op_hard_swish(const OpContext& c) { return {F::hardswish(c.required(0))}; }
Tensors op_softplus(const OpContext& c) {
  const Tensor& x = c.required(0);  // log(1 + exp(x)), stable: max(x, 0) + log1p(exp(-|x|))
  return {F::add(F::relu(x), F::log1p(F::exp(F::neg(F::abs(x)))))};
}
Tensors op_softsign(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::div(x, F::add(F::abs(x), 1.0))};
}
Tensors op_thresholded_relu(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::where(F::gt(x, c.node.attr_float("alpha", 1.0)), x, zeros_like(x))};
}
Tensors op_prelu(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::where(F::lt(x, 0.0), F::mul(x, c.required(1)), x)};
}
Tensors op_clip(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::optional<double> lo, hi;
  if (c.opset < 11) {
    if (c.node.has("min")) lo = c.node.attr_float("min", 0);
    if (c.node.has("max")) hi = c.node.attr_float("max", 0);
  } else {
    if (c.in(1).defined()) lo = scalar(c.in(1));
    if (c.in(2).defined()) hi = scalar(c.in(2));
  }
  if (!lo && !hi) return {x.clone()};
  if (lo && hi && *lo > *hi) return {full_like(x, *hi)};  // ONNX: min > max gives max everywhere
  return {F::clamp(x, lo, hi)};
}

// Softmax and LogSoftmax: opset 13 normalises along `axis` (default -1); before, the input is seen as a
// matrix [prod(shape[:axis]), prod(shape[axis:])] (axis default 1).
template <bool Log>
Tensors op_softmax(const OpContext& c) {
  const Tensor& x = c.required(0);
  if (c.opset >= 13) {
    const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
    return {Log ? F::log_softmax(x, axis) : F::softmax(x, axis)};
  }
  const int64_t axis = norm_axis(c.node.attr_int("axis", 1), rank(x), c.node);
  const Tensor m = x.flatten(axis).flatten(0, axis > 0 ? axis - 1 : 0);
  const Tensor m2 = axis == 0 ? x.reshape({1, x.numel()}) : m;
  const Tensor y = Log ? F::log_softmax(m2, 1) : F::softmax(m2, 1);
  return {y.reshape(x.shape())};
}

// ---- linear algebra ------------------------------------------------------------------------------

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

// ---- convolution and pooling ---------------------------------------------------------------------

// The spatial attributes of Conv / ConvTranspose / pooling for 1-D or 2-D windows.
struct Window {
  std::vector<int64_t> kernel, stride, dilation, pad_begin, pad_end;
  bool symmetric() const { return pad_begin == pad_end; }
};

// Reads kernel_shape/strides/dilations/pads/auto_pad for input x [N, C, spatial...].
Window window(const OpContext& c, const Tensor& x, std::vector<int64_t> kernel) {
  const size_t s = kernel.size();
  STRATA_CHECK(s == 1 || s == 2, "{}: {}-D windows are not supported (1-D and 2-D are)", c.node.label(), s);
  STRATA_CHECK(static_cast<size_t>(rank(x)) == s + 2, "{}: input of shape {} does not match a {}-D kernel",
               c.node.label(), x.shape().str(), s);
  Window w;
  w.kernel = kernel;
  w.stride = c.node.attr_ints("strides", std::vector<int64_t>(s, 1));
  w.dilation = c.node.attr_ints("dilations", std::vector<int64_t>(s, 1));
  const std::vector<int64_t> pads = c.node.attr_ints("pads", std::vector<int64_t>(2 * s, 0));
  STRATA_CHECK(w.stride.size() == s && w.dilation.size() == s && pads.size() == 2 * s,
               "{}: strides/dilations/pads do not match the {}-D kernel", c.node.label(), s);
  w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(s));
  w.pad_end.assign(pads.begin() + static_cast<int64_t>(s), pads.end());
  const std::string auto_pad = c.node.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < s; ++i) {
      const int64_t in = x.shape()[2 + i];
      const int64_t out = (in + w.stride[i] - 1) / w.stride[i];
      const int64_t total =
          std::max<int64_t>(0, (out - 1) * w.stride[i] + (kernel[i] - 1) * w.dilation[i] + 1 - in);
      const int64_t small = total / 2, big = total - small;
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : big;
      w.pad_end[i] = auto_pad == "SAME_UPPER" ? big : small;
    }
  } else if (auto_pad == "VALID") {
    std::fill(w.pad_begin.begin(), w.pad_begin.end(), 0);
    std::fill(w.pad_end.begin(), w.pad_end.end(), 0);
  } else {
    STRATA_CHECK(auto_pad == "NOTSET", "{}: auto_pad '{}' is not supported", c.node.label(), auto_pad);
  }
  return w;
}

// 1-D windows run as 2-D with height 1.
Tensor as_2d(const Tensor& x, size_t spatial) { return spatial == 1 ? x.unsqueeze(2) : x; }
ops::Size2 size2(const std::vector<int64_t>& v) {
  return v.size() == 1 ? ops::Size2(1, v[0]) : ops::Size2(v[0], v[1]);
}
// pads for F::pad (last dim first) from begin/end lists in dim order.
std::vector<int64_t> torch_pads(const std::vector<int64_t>& begin, const std::vector<int64_t>& end) {
  std::vector<int64_t> out;
  for (size_t i = begin.size(); i-- > 0;) {
    out.push_back(begin[i]);
    out.push_back(end[i]);
  }
  return out;
}

Tensors op_conv(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor& weight = c.required(1);
  const std::vector<int64_t> kshape(weight.shape().begin() + 2, weight.shape().end());
  const Window w = window(c, x, c.node.attr_ints("kernel_shape", kshape));
  const size_t s = w.kernel.size();
  Tensor x2 = as_2d(x, s), w2 = as_2d(weight, s);
  ops::Padding2 padding = 0;
  if (w.symmetric()) {
    padding = s == 1 ? ops::Padding2(0, w.pad_begin[0]) : ops::Padding2(w.pad_begin[0], w.pad_begin[1]);
  } else {
    x2 = F::pad(x2, torch_pads(w.pad_begin, w.pad_end));
  }
  Tensor y =
      F::conv2d(x2, w2, c.in(2), size2(w.stride), padding, size2(w.dilation), c.node.attr_int("group", 1));
  return {s == 1 ? y.squeeze(2) : y};
}

// 3-D transposed convolution as a sum over kernel depth of 2-D ones, each added at its output depths.
Tensor conv_transpose3d(const Tensor& x, const Tensor& weight, const std::vector<int64_t>& stride,
                        const std::vector<int64_t>& dilation, int64_t groups) {
  const int64_t n = x.shape()[0], cin = x.shape()[1], d = x.shape()[2], kd = weight.shape()[2];
  const int64_t full_d = stride[0] * (d - 1) + (kd - 1) * dilation[0] + 1;
  const Tensor planes = x.permute({0, 2, 1, 3, 4}).reshape({n * d, cin, x.shape()[3], x.shape()[4]});
  Tensor y;
  for (int64_t k = 0; k < kd; ++k) {
    const Tensor z = F::conv_transpose2d(planes, weight.select(2, k), {}, ops::Size2(stride[1], stride[2]), 0,
                                         0, groups, ops::Size2(dilation[1], dilation[2]));
    const Tensor zz = z.reshape({n, d, z.shape()[1], z.shape()[2], z.shape()[3]});
    if (!y.defined()) y = zeros({n, full_d, z.shape()[1], z.shape()[2], z.shape()[3]}, {.dtype = x.dtype()});
    std::vector<int64_t> depth;
    for (int64_t i = 0; i < d; ++i) depth.push_back(i * stride[0] + k * dilation[0]);
    y = F::index_add(y, 1, from_vector<int64_t>(depth, {d}), zz);
  }
  return y.permute({0, 2, 1, 3, 4});
}

Tensors op_conv_transpose(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor& weight = c.required(1);
  if (rank(weight) == 5) {  // 3-D: explicit pads and output_padding only
    const Node& n = c.node;
    const std::vector<int64_t> stride = n.attr_ints("strides", {1, 1, 1}),
                               dil = n.attr_ints("dilations", {1, 1, 1});
    const std::vector<int64_t> pads = n.attr_ints("pads", {0, 0, 0, 0, 0, 0});
    const std::vector<int64_t> out_pad = n.attr_ints("output_padding", {0, 0, 0});
    STRATA_CHECK(!n.has("output_shape") && n.attr_string("auto_pad", "NOTSET") == "NOTSET",
                 "{}: output_shape and auto_pad with 3-D kernels are not supported", n.label());
    Tensor y = conv_transpose3d(x, weight, stride, dil, n.attr_int("group", 1));
    for (int64_t i = 0; i < 3; ++i) {
      const int64_t dim = 2 + i, full = y.shape()[static_cast<size_t>(dim)];
      const int64_t begin = pads[static_cast<size_t>(i)];
      const int64_t size = full + out_pad[static_cast<size_t>(i)] - begin - pads[static_cast<size_t>(i + 3)];
      if (begin + size > full) {
        std::vector<int64_t> p(2 * static_cast<size_t>(4 - dim), 0);
        p.push_back(0);
        p.push_back(begin + size - full);
        y = F::pad(y, p);
      }
      y = y.slice(dim, begin, begin + size);
    }
    if (c.in(2).defined()) y = F::add(y, c.in(2).reshape({1, c.in(2).numel(), 1, 1, 1}));
    return {y};
  }
  const int64_t groups = c.node.attr_int("group", 1);
  const std::vector<int64_t> kshape(weight.shape().begin() + 2, weight.shape().end());
  const size_t s = kshape.size();
  Window w = window(c, x, c.node.attr_ints("kernel_shape", kshape));
  std::vector<int64_t> out_pad = c.node.attr_ints("output_padding", std::vector<int64_t>(s, 0));
  const std::vector<int64_t> out_shape = c.node.attr_ints("output_shape");
  const std::string auto_pad = c.node.attr_string("auto_pad", "NOTSET");
  // The full (unpadded) output size of each spatial dim, then the window of it ONNX keeps.
  std::vector<int64_t> full(s), begin(s), size(s);
  for (size_t i = 0; i < s; ++i) {
    const int64_t in = x.shape()[2 + i];
    full[i] = w.stride[i] * (in - 1) + (w.kernel[i] - 1) * w.dilation[i] + 1;
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t target = !out_shape.empty() ? out_shape[out_shape.size() - s + i] : in * w.stride[i];
      const int64_t total = full[i] + out_pad[i] - target;
      const bool lower = auto_pad == "SAME_LOWER";
      begin[i] = lower ? total - total / 2 : total / 2;
      size[i] = target;
    } else {
      begin[i] = w.pad_begin[i];
      size[i] = full[i] + out_pad[i] - w.pad_begin[i] - w.pad_end[i];
    }
  }
  Tensor y = F::conv_transpose2d(as_2d(x, s), as_2d(weight, s), {}, size2(w.stride), 0, 0, groups,
                                 size2(w.dilation));
  if (s == 1) y = y.squeeze(2);
  for (size_t i = 0; i < s; ++i) {
    const int64_t dim = static_cast<int64_t>(2 + i);
    STRATA_CHECK(begin[i] >= 0, "{}: negative padding is not supported", c.node.label());
    const int64_t extra = begin[i] + size[i] - full[i];
    if (extra > 0) {
      std::vector<int64_t> pads(2 * (static_cast<size_t>(rank(y)) - 1 - static_cast<size_t>(dim)), 0);
      pads.push_back(0);
      pads.push_back(extra);
      y = F::pad(y, pads);
    }
    y = y.slice(dim, begin[i], begin[i] + size[i]);
  }
  if (c.in(2).defined()) {
    Shape bshape(std::vector<int64_t>(static_cast<size_t>(rank(y)), 1));
    bshape[1] = c.in(2).numel();
    y = F::add(y, c.in(2).reshape(bshape));
  }
  return {y};
}

// Output length of a pooling window along one dim (ONNX's rule, ceil_mode included: a last window that
// would start in the end padding is dropped).
int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, bool ceil) {
  const int64_t span = in + pb + pe - ((k - 1) * d + 1);
  int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (out - 1) * s >= in + pb) --out;
  return out;
}

// Max pooling by shifted strided slices of the (-inf padded) input: any dilation, and the flat indices ONNX's
// MaxPool returns as its second output (row-major, or column-major over H, W when storage_order = 1).
std::pair<Tensor, Tensor> max_pool_slices(const Tensor& x, const Window& w, bool ceil,
                                          int64_t storage_order) {
  const int64_t n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], wd = x.shape()[3];
  std::vector<int64_t> out(2), extra(2);
  const int64_t in[2] = {h, wd};
  for (size_t i = 0; i < 2; ++i) {
    out[i] = pooled_size(in[i], w.kernel[i], w.stride[i], w.dilation[i], w.pad_begin[i], w.pad_end[i], ceil);
    extra[i] = std::max<int64_t>(0, (out[i] - 1) * w.stride[i] + (w.kernel[i] - 1) * w.dilation[i] + 1 -
                                        (in[i] + w.pad_begin[i] + w.pad_end[i]));
  }
  const std::vector<int64_t> pads = {w.pad_begin[1], w.pad_end[1] + extra[1], w.pad_begin[0],
                                     w.pad_end[0] + extra[0]};
  const Tensor xp = F::pad(x, pads, -std::numeric_limits<double>::infinity());
  Tensor index;
  if (storage_order == 0) {
    index = arange(static_cast<double>(x.numel()), {.dtype = kFloat64}).reshape(x.shape());
  } else {
    const Tensor hh = arange(static_cast<double>(h), {.dtype = kFloat64}).reshape({1, 1, h, 1});
    const Tensor ww = arange(static_cast<double>(wd), {.dtype = kFloat64}).reshape({1, 1, 1, wd});
    const Tensor nc = arange(static_cast<double>(n * ch), {.dtype = kFloat64}).reshape({n, ch, 1, 1});
    index = F::add(F::add(hh, F::mul(ww, static_cast<double>(h))), F::mul(nc, static_cast<double>(h * wd)));
  }
  const Tensor ip = F::pad(index, pads, -1.0);
  Tensor best, best_index;
  for (int64_t ki = 0; ki < w.kernel[0]; ++ki) {
    for (int64_t kj = 0; kj < w.kernel[1]; ++kj) {
      const int64_t r0 = ki * w.dilation[0], c0 = kj * w.dilation[1];
      auto window = [&](const Tensor& t) {
        return t.slice(2, r0, r0 + (out[0] - 1) * w.stride[0] + 1, w.stride[0])
            .slice(3, c0, c0 + (out[1] - 1) * w.stride[1] + 1, w.stride[1]);
      };
      const Tensor v = window(xp), i = window(ip);
      if (!best.defined()) {
        best = v;
        best_index = i;
        continue;
      }
      const Tensor take = F::gt(v, best);
      best = F::where(take, v, best);
      best_index = F::where(take, i, best_index);
    }
  }
  return {best.contiguous(), best_index.to(kInt64)};
}

// 2-D pooling over x [N, C, H, W] with ONNX's window (any padding, ceil_mode, count_include_pad).
Tensor pool2d(bool max, const Tensor& x, const Window& w, bool ceil, bool include_pad) {
  const bool dilated = !std::all_of(w.dilation.begin(), w.dilation.end(), [](int64_t d) { return d == 1; });
  if (max && dilated) return max_pool_slices(x, w, ceil, 0).first;
  STRATA_CHECK(!dilated, "AveragePool: dilations other than 1 are not supported");
  bool fits = w.symmetric();  // oneDNN's (and PyTorch's) pooling takes padding up to half the window
  for (size_t i = 0; i < 2; ++i) fits = fits && 2 * w.pad_begin[i] <= w.kernel[i];
  if (fits) {  // PyTorch's ceil_mode rule is ONNX's
    const ops::Size2 pad(w.pad_begin[0], w.pad_begin[1]);
    return max ? F::max_pool2d(x, size2(w.kernel), size2(w.stride), pad, ceil)
               : F::avg_pool2d(x, size2(w.kernel), size2(w.stride), pad, ceil, include_pad);
  }
  if (max) return max_pool_slices(x, w, ceil, 0).first;
  // Sum of the window over the padded input divided by the count of real (or padded) cells.
  const std::vector<int64_t> pads = torch_pads(w.pad_begin, w.pad_end);
  const Tensor sums = F::avg_pool2d(F::pad(x, pads), size2(w.kernel), size2(w.stride), 0, ceil, true);
  if (include_pad) return sums;
  const Tensor counts =
      F::avg_pool2d(F::pad(ones({1, 1, x.shape()[2], x.shape()[3]}, {.dtype = x.dtype()}), pads),
                    size2(w.kernel), size2(w.stride), 0, ceil, true);
  return F::div(sums, counts);
}

// The 2-D window of dims (a, b) of a 1-, 2- or 3-D window (a = -1: a unit dim).
Window sub_window(const Window& w, int a, int b) {
  Window s;
  const auto pick = [&](const std::vector<int64_t>& v, int64_t unit) {
    return std::vector<int64_t>{a < 0 ? unit : v[static_cast<size_t>(a)], v[static_cast<size_t>(b)]};
  };
  s.kernel = pick(w.kernel, 1);
  s.stride = pick(w.stride, 1);
  s.dilation = pick(w.dilation, 1);
  s.pad_begin = pick(w.pad_begin, 0);
  s.pad_end = pick(w.pad_end, 0);
  return s;
}

template <bool Max>
Tensors op_pool(const OpContext& c) {
  const Tensor& input = c.required(0);
  const bool u8 = input.dtype() == kUInt8;
  const Tensor x = u8 || !input.is_floating_point() ? input.to(kFloat32) : input;
  const std::vector<int64_t> kernel = c.node.attr_ints("kernel_shape");
  const size_t s = kernel.size();
  STRATA_CHECK(s >= 1 && s <= 3, "{}: {}-D windows are not supported (1-D to 3-D are)", c.node.label(), s);
  // 3-D windows: pooling is separable, so (H, W) then D.
  Window w;
  if (s == 3) {
    STRATA_CHECK(rank(x) == 5, "{}: input of shape {} does not match a 3-D kernel", c.node.label(),
                 x.shape().str());
    // The 3-D attributes, read here (window() reads 1-D and 2-D ones).
    w.kernel = kernel;
    w.stride = c.node.attr_ints("strides", {1, 1, 1});
    w.dilation = c.node.attr_ints("dilations", {1, 1, 1});
    const auto pads = c.node.attr_ints("pads", {0, 0, 0, 0, 0, 0});
    w.pad_begin = {pads[0], pads[1], pads[2]};
    w.pad_end = {pads[3], pads[4], pads[5]};
    STRATA_CHECK(c.node.attr_string("auto_pad", "NOTSET") == "NOTSET",
                 "{}: auto_pad with 3-D windows is not supported", c.node.label());
  } else {
    w = window(c, x, kernel);
  }
  const bool ceil = c.node.attr_int("ceil_mode", 0) != 0;
  const bool include_pad = c.node.attr_int("count_include_pad", 0) != 0;
  const bool want_index = Max && c.node.outputs.size() > 1 && !c.node.outputs[1].empty();
  Tensors out;
  if (s == 3) {
    STRATA_CHECK(!want_index, "{}: the Indices output of 3-D pooling is not supported", c.node.label());
    const int64_t n = x.shape()[0], ch = x.shape()[1], d = x.shape()[2];
    const Tensor hw = pool2d(Max, x.reshape({n, ch * d, x.shape()[3], x.shape()[4]}), sub_window(w, 1, 2),
                             ceil, include_pad);
    const int64_t ho = hw.shape()[2], wo = hw.shape()[3];
    const Window dw = sub_window(w, 0, 0);
    Window depth;
    depth.kernel = {dw.kernel[1], 1};
    depth.stride = {dw.stride[1], 1};
    depth.dilation = {dw.dilation[1], 1};
    depth.pad_begin = {dw.pad_begin[1], 0};
    depth.pad_end = {dw.pad_end[1], 0};
    const Tensor y = pool2d(Max, hw.reshape({n, ch, d, ho * wo}), depth, ceil, include_pad);
    out.push_back(y.reshape({n, ch, y.shape()[2], ho, wo}));
  } else {
    const Window w2 = s == 1 ? sub_window(w, -1, 0) : w;
    const Tensor x2 = as_2d(x, s);
    if (want_index) {
      STRATA_CHECK(s == 2, "{}: the Indices output needs a 2-D window", c.node.label());
      auto [y, index] = max_pool_slices(x2, w2, ceil, c.node.attr_int("storage_order", 0));
      out = {y, index};
    } else {
      const Tensor y = pool2d(Max, x2, w2, ceil, include_pad);
      out.push_back(s == 1 ? y.squeeze(2) : y);
    }
  }
  if (u8 || out[0].dtype() != input.dtype()) out[0] = out[0].to(input.dtype());
  return out;
}

Shape spatial_dims(const Tensor& x) {
  Shape dims;
  for (int64_t d = 2; d < rank(x); ++d) dims.push_back(d);
  return dims;
}
Tensors op_global_average_pool(const OpContext& c) {
  return {F::mean(c.required(0), spatial_dims(c.required(0)), true)};
}
Tensors op_global_max_pool(const OpContext& c) {
  return {F::amax(c.required(0), spatial_dims(c.required(0)), true)};
}

// ---- normalisation -------------------------------------------------------------------------------

Tensors op_batch_norm(const OpContext& c) {
  const bool train = c.training || c.node.attr_int("training_mode", 0) != 0;
  const double eps = c.node.attr_float("epsilon", 1e-5);
  const double momentum =
      1.0 - c.node.attr_float("momentum", 0.9);  // PyTorch's momentum weighs the new value
  if (c.node.outputs.size() > 1 && train) {
    // ONNX's training outputs: the running statistics updated with the batch's mean and biased variance.
    const Tensor& x = c.required(0);
    Shape dims{0}, bshape(std::vector<int64_t>(static_cast<size_t>(rank(x)), 1));
    for (int64_t d = 2; d < rank(x); ++d) dims.push_back(d);
    bshape[1] = x.shape()[1];
    const Tensor mean = F::mean(x, dims, false);
    const Tensor var = F::mean(F::square(F::sub(x, mean.reshape(bshape))), dims, false);
    const Tensor y =
        F::add(F::mul(F::mul(F::sub(x, mean.reshape(bshape)), F::rsqrt(F::add(var.reshape(bshape), eps))),
                      c.required(1).reshape(bshape)),
               c.required(2).reshape(bshape));
    return {y, F::add(F::mul(c.required(3), 1.0 - momentum), F::mul(mean, momentum)),
            F::add(F::mul(c.required(4), 1.0 - momentum), F::mul(var, momentum))};
  }
  return {F::batch_norm(c.required(0), c.in(3), c.in(4), c.required(1), c.required(2), train, momentum, eps)};
}
Tensors op_instance_norm(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::group_norm(x, x.shape()[1], c.required(1), c.required(2), c.node.attr_float("epsilon", 1e-5))};
}
Tensors op_layer_norm(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
  const double eps = c.node.attr_float("epsilon", 1e-5);
  Shape normalized, dims;
  for (int64_t d = axis; d < rank(x); ++d)
    normalized.push_back(x.shape()[static_cast<size_t>(d)]), dims.push_back(d);
  const Tensor& scale = c.required(1);
  const bool exact = scale.shape() == normalized && (!c.in(2).defined() || c.in(2).shape() == normalized);
  Tensors out;
  if (exact) {
    out.push_back(F::layer_norm(x, normalized, scale, c.in(2), eps));
  } else {  // scale / bias broadcast against the normalised dims
    const Tensor mean = F::mean(x, dims, true);
    const Tensor centred = F::sub(x, mean);
    const Tensor y =
        F::mul(F::mul(centred, F::rsqrt(F::add(F::mean(F::square(centred), dims, true), eps))), scale);
    out.push_back(c.in(2).defined() ? F::add(y, c.in(2)) : y);
  }
  if (c.node.outputs.size() > 1) {  // Mean and InvStdDev, kept as [d0, ..., 1, ...]
    const Tensor mean = F::mean(x, dims, true);
    out.push_back(mean);
    out.push_back(F::rsqrt(F::add(F::mean(F::square(F::sub(x, mean)), dims, true), eps)));
  }
  return out;
}

// ---- shapes and indexing -------------------------------------------------------------------------

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
std::vector<int64_t> axes_of(const OpContext& c, size_t input, int64_t input_opset) {
  if (c.opset >= input_opset) return c.in(input).defined() ? c.ints(input) : std::vector<int64_t>{};
  return c.node.attr_ints("axes");
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
Dtype onnx_dtype(int64_t to, const Node& n) {
  switch (to) {
    case 1:
      return kFloat32;
    case 11:
      return kFloat64;
    case 2:
    case 9:
      return kUInt8;
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 12:
    case 13:
      return kInt64;
    case 10:
    case 16:
      return kFloat32;
    default:
      STRATA_FAIL("{}: element type {} is not supported", n.label(), to);
  }
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
Tensors op_where(const OpContext& c) {
  const Tensor& cond = c.required(0);
  return {F::where(cond.dtype() == kUInt8 ? cond : F::ne(cond, 0.0), c.required(1), c.required(2))};
}
template <int Kind>
Tensors op_compare(const OpContext& c) {
  const Tensor &a = c.required(0), &b = c.required(1);
  switch (Kind) {
    case 0:
      return {F::eq(a, b)};
    case 1:
      return {F::lt(a, b)};
    case 2:
      return {F::gt(a, b)};
    case 3:
      return {F::le(a, b)};
    default:
      return {F::ge(a, b)};
  }
}
Tensors op_not(const OpContext& c) { return {F::eq(c.required(0), 0.0)}; }
template <int Kind>
Tensors op_logical(const OpContext& c) {
  const Tensor a = F::ne(c.required(0), 0.0).to(kInt64), b = F::ne(c.required(1), 0.0).to(kInt64);
  switch (Kind) {
    case 0:
      return {F::gt(F::mul(a, b), 0.0)};
    case 1:
      return {F::gt(F::add(a, b), 0.0)};
    default:
      return {F::ne(a, b)};
  }
}

// ---- reductions ----------------------------------------------------------------------------------

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

// ---- padding and resizing ------------------------------------------------------------------------

Tensors op_pad(const OpContext& c) {
  const Tensor& x = c.required(0);
  const std::string mode = c.node.attr_string("mode", "constant");
  STRATA_CHECK(mode == "constant" || mode == "reflect" || mode == "edge" || mode == "wrap",
               "{}: mode '{}' is not supported", c.node.label(), mode);
  std::vector<int64_t> pads = c.opset >= 11 ? c.ints(1) : c.node.attr_ints("pads");
  const double value =
      c.opset >= 11 ? (c.in(2).defined() ? scalar(c.in(2)) : 0.0) : c.node.attr_float("value", 0);
  const int64_t r = rank(x);
  std::vector<int64_t> axes;
  if (c.in(3).defined()) {
    for (int64_t a : c.ints(3)) axes.push_back(norm_axis(a, r, c.node));
  } else {
    for (int64_t d = 0; d < r; ++d) axes.push_back(d);
  }
  STRATA_CHECK(pads.size() == 2 * axes.size(), "{}: {} pads for {} axes", c.node.label(), pads.size(),
               axes.size());
  std::vector<int64_t> begin(static_cast<size_t>(r), 0), end(static_cast<size_t>(r), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    begin[static_cast<size_t>(axes[i])] = pads[i];
    end[static_cast<size_t>(axes[i])] = pads[i + axes.size()];
  }
  if (mode != "constant") {  // each padded axis gathers its source indices: reflected, clamped or wrapped
    Tensor y = x;
    for (size_t d = 0; d < begin.size(); ++d) {
      if (begin[d] == 0 && end[d] == 0) continue;
      const int64_t len = x.shape()[d];
      std::vector<int64_t> index;
      for (int64_t i = -begin[d]; i < len + end[d]; ++i) {
        int64_t j = i;
        if (mode == "edge") {
          j = std::clamp<int64_t>(i, 0, len - 1);
        } else if (mode == "wrap") {
          j = ((i % len) + len) % len;
        } else {
          STRATA_CHECK(len > 1, "{}: reflect padding needs at least 2 elements along axis {}", c.node.label(),
                       d);
          const int64_t period = 2 * (len - 1);
          j = ((i % period) + period) % period;
          if (j >= len) j = period - j;
        }
        index.push_back(j);
      }
      y = F::index_select(y, static_cast<int64_t>(d),
                          from_vector<int64_t>(index, {static_cast<int64_t>(index.size())}));
    }
    return {y};
  }
  std::vector<int64_t> grow_b(begin.size()), grow_e(end.size());
  for (size_t d = 0; d < begin.size(); ++d)
    grow_b[d] = std::max<int64_t>(begin[d], 0), grow_e[d] = std::max<int64_t>(end[d], 0);
  Tensor y = F::pad(x, torch_pads(grow_b, grow_e), value);
  for (size_t d = 0; d < begin.size(); ++d) {  // negative pads crop
    const int64_t n = y.shape()[d];
    const int64_t b = begin[d] < 0 ? -begin[d] : 0, e = end[d] < 0 ? -end[d] : 0;
    if (b || e) y = y.slice(static_cast<int64_t>(d), b, n - e);
  }
  return {y};
}

// Resize, written as ONNX's reference does it: separable along each axis (last first), every output position
// mapped back to a source coordinate by coordinate_transformation_mode, then the nearest source element
// (nearest_mode) or a weighted sum of 2 (linear) or 4 (cubic) neighbours, edge-clamped; index_select and
// elementwise products, so gradients reach the input.
Tensor resize_axis(const Tensor& x, int64_t axis, int64_t out, double scale, const Node& n, double roi_start,
                   double roi_end) {
  const int64_t in = x.shape()[static_cast<size_t>(axis)];
  const std::string mode = n.attr_string("mode", "nearest");
  const std::string coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = n.attr_string("nearest_mode", "round_prefer_floor");
  const double a = n.attr_float("cubic_coeff_a", -0.75);
  const bool exclude_outside = n.attr_int("exclude_outside", 0) != 0;
  const double extrapolation = n.attr_float("extrapolation_value", 0.0);
  const double out_width = scale * static_cast<double>(in);  // ONNX's reference uses the real-valued width
  const int taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
  std::vector<std::vector<int64_t>> index(static_cast<size_t>(taps),
                                          std::vector<int64_t>(static_cast<size_t>(out)));
  std::vector<std::vector<double>> weight(static_cast<size_t>(taps),
                                          std::vector<double>(static_cast<size_t>(out)));
  std::vector<uint8_t> outside(static_cast<size_t>(out), 0);
  const auto clamp_index = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  for (int64_t o = 0; o < out; ++o) {
    const double xr = static_cast<double>(o);
    double xo;
    if (coord == "half_pixel") {
      xo = (xr + 0.5) / scale - 0.5;
    } else if (coord == "pytorch_half_pixel") {
      xo = out_width > 1 ? (xr + 0.5) / scale - 0.5 : 0.0;
    } else if (coord == "align_corners") {
      xo = out_width == 1 ? 0.0 : xr * static_cast<double>(in - 1) / (out_width - 1);
    } else if (coord == "asymmetric") {
      xo = xr / scale;
    } else if (coord == "tf_half_pixel_for_nn") {
      xo = (xr + 0.5) / scale;
    } else if (coord == "tf_crop_and_resize") {
      xo = out_width > 1 ? roi_start * static_cast<double>(in - 1) +
                               xr * (roi_end - roi_start) * static_cast<double>(in - 1) / (out_width - 1)
                         : 0.5 * (roi_start + roi_end) * static_cast<double>(in - 1);
      outside[static_cast<size_t>(o)] = xo < 0 || xo > static_cast<double>(in - 1);
    } else {
      STRATA_FAIL("{}: coordinate_transformation_mode '{}' is not supported", n.label(), coord);
    }
    const size_t oi = static_cast<size_t>(o);
    if (taps == 1) {
      double r;
      if (nearest == "round_prefer_floor") {
        r = xo == std::floor(xo) + 0.5 ? std::floor(xo) : std::round(xo);
      } else if (nearest == "round_prefer_ceil") {
        r = std::round(xo);
      } else if (nearest == "floor") {
        r = std::floor(xo);
      } else if (nearest == "ceil") {
        r = std::ceil(xo);
      } else {
        STRATA_FAIL("{}: nearest_mode '{}' is not supported", n.label(), nearest);
      }
      index[0][oi] = clamp_index(static_cast<int64_t>(r));
      weight[0][oi] = 1.0;
      continue;
    }
    const double fl = std::floor(xo);
    const double t = xo - fl;
    const int64_t base = static_cast<int64_t>(fl) - (taps == 4 ? 1 : 0);
    std::vector<double> coeff;
    if (taps == 2) {
      coeff = {1.0 - t, t};
    } else {
      const double t1 = t + 1, u = 1 - t, u1 = u + 1;
      coeff = {((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a, ((a + 2) * t - (a + 3)) * t * t + 1,
               ((a + 2) * u - (a + 3)) * u * u + 1, ((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a};
    }
    double total = 0;
    for (int k = 0; k < taps; ++k) {
      const int64_t src = base + k;
      if (exclude_outside && (src < 0 || src >= in)) coeff[static_cast<size_t>(k)] = 0;
      total += coeff[static_cast<size_t>(k)];
    }
    for (int k = 0; k < taps; ++k) {
      index[static_cast<size_t>(k)][oi] = clamp_index(base + k);
      weight[static_cast<size_t>(k)][oi] = exclude_outside && total != 0
                                               ? coeff[static_cast<size_t>(k)] / total
                                               : coeff[static_cast<size_t>(k)];
    }
  }
  Shape wshape(std::vector<int64_t>(static_cast<size_t>(rank(x)), 1));
  wshape[static_cast<size_t>(axis)] = out;
  Tensor y;
  for (int k = 0; k < taps; ++k) {
    const Tensor picked =
        F::index_select(x, axis, from_vector<int64_t>(index[static_cast<size_t>(k)], {out}));
    if (taps == 1) {
      y = picked;
      break;
    }
    const Tensor wk = from_vector<double>(weight[static_cast<size_t>(k)], wshape).to(x.dtype());
    y = y.defined() ? F::add(y, F::mul(picked, wk)) : F::mul(picked, wk);
  }
  if (std::any_of(outside.begin(), outside.end(), [](uint8_t v) { return v != 0; })) {
    std::vector<double> mask(outside.begin(), outside.end());
    y = F::where(F::ne(from_vector<double>(mask, wshape), 0.0), full({}, extrapolation, {.dtype = x.dtype()}),
                 y);
  }
  return y;
}

Tensors op_resize(const OpContext& c) {
  const Tensor& input = c.required(0);
  const Node& n = c.node;
  const int64_t r = rank(input);
  STRATA_CHECK(!n.has("axes") && n.attr_int("antialias", 0) == 0 &&
                   n.attr_string("keep_aspect_ratio_policy", "stretch") == "stretch",
               "{}: axes, antialias and keep_aspect_ratio_policy are not supported", n.label());
  const std::string mode = n.attr_string("mode", "nearest");
  STRATA_CHECK(mode == "nearest" || mode == "linear" || mode == "cubic", "{}: mode '{}' is not supported",
               n.label(), mode);
  const Tensor x = input.is_floating_point() ? input : input.to(kFloat32);
  std::vector<int64_t> sizes(static_cast<size_t>(r));
  std::vector<double> scales(static_cast<size_t>(r));
  const size_t scales_at = c.opset >= 11 ? 2 : 1, sizes_at = 3;
  if (c.opset >= 11 && c.in(sizes_at).defined() && c.in(sizes_at).numel() > 0) {
    sizes = c.ints(sizes_at);
    STRATA_CHECK(sizes.size() == static_cast<size_t>(r), "{}: {} sizes for rank {}", n.label(), sizes.size(),
                 r);
    for (size_t i = 0; i < sizes.size(); ++i)
      scales[i] = static_cast<double>(sizes[i]) / static_cast<double>(x.shape()[i]);
  } else {
    scales = c.required(scales_at).to(kFloat64).contiguous().to_vector<double>();
    STRATA_CHECK(scales.size() == static_cast<size_t>(r), "{}: {} scales for rank {}", n.label(),
                 scales.size(), r);
    for (size_t i = 0; i < scales.size(); ++i)
      sizes[i] = static_cast<int64_t>(std::floor(static_cast<double>(x.shape()[i]) * scales[i]));
  }
  std::vector<double> roi;
  if (c.opset >= 11 && c.in(1).defined() && c.in(1).numel() == 2 * r)
    roi = c.in(1).to(kFloat64).contiguous().to_vector<double>();
  Tensor y = x;
  for (int64_t axis = r - 1; axis >= 0; --axis) {
    const size_t i = static_cast<size_t>(axis);
    if (sizes[i] == x.shape()[i] && scales[i] == 1.0 && roi.empty()) continue;
    y = resize_axis(y, axis, sizes[i], scales[i], n, roi.empty() ? 0.0 : roi[i],
                    roi.empty() ? 1.0 : roi[i + r]);
  }
  return {y.dtype() == input.dtype() ? y : y.to(input.dtype())};
}

// Upsample (opsets 7 to 9, Resize's predecessor): Resize with asymmetric coordinates, nearest taking the
// floor; scales from the attribute (opset 7) or the second input (opset 9).
Tensors op_upsample(const OpContext& c) {
  const Tensor& input = c.required(0);
  const std::string mode = c.node.attr_string("mode", "nearest");
  STRATA_CHECK(mode == "nearest" || mode == "linear", "{}: mode '{}' is not supported", c.node.label(), mode);
  const std::vector<double> scales = c.in(1).defined() ? c.in(1).to(kFloat64).contiguous().to_vector<double>()
                                                       : c.node.attr_floats("scales");
  STRATA_CHECK(scales.size() == static_cast<size_t>(rank(input)), "{}: {} scales for rank {}", c.node.label(),
               scales.size(), rank(input));
  Node as_resize = c.node;
  as_resize.attributes["mode"].kind = Attribute::Kind::String;
  as_resize.attributes["mode"].s = mode;
  as_resize.attributes["coordinate_transformation_mode"].kind = Attribute::Kind::String;
  as_resize.attributes["coordinate_transformation_mode"].s = "asymmetric";
  as_resize.attributes["nearest_mode"].kind = Attribute::Kind::String;
  as_resize.attributes["nearest_mode"].s = "floor";
  const Tensor x = input.is_floating_point() ? input : input.to(kFloat32);
  Tensor y = x;
  for (int64_t axis = rank(x) - 1; axis >= 0; --axis) {
    const size_t i = static_cast<size_t>(axis);
    if (scales[i] == 1.0) continue;
    const int64_t out = static_cast<int64_t>(std::floor(static_cast<double>(x.shape()[i]) * scales[i]));
    y = resize_axis(y, axis, out, scales[i], as_resize, 0.0, 1.0);
  }
  return {y.dtype() == input.dtype() ? y : y.to(input.dtype())};
}

// ---- recurrent layers ----------------------------------------------------------------------------

// Reorders the gate blocks of a [D?, G*H, ...] weight or [G*H] bias from ONNX's order to strata's
// (PyTorch's).
Tensor reorder_gates(const Tensor& w, ops::RnnMode mode) {
  if (mode != ops::RnnMode::Lstm && mode != ops::RnnMode::Gru) return w;
  const std::vector<Tensor> g = F::chunk(w, mode == ops::RnnMode::Lstm ? 4 : 3, 0);
  if (mode == ops::RnnMode::Lstm) return F::cat({g[0], g[2], g[3], g[1]}, 0);  // i o f c -> i f c o
  return F::cat({g[1], g[0], g[2]}, 0);                                        // z r h -> r z h
}

// GRU with linear_before_reset = 0 (ONNX's default, not PyTorch's): n = tanh(W_n x + R_n (r * h) + b_wn +
// b_rn).
Tensors gru_reset_first(const Tensor& x, const Tensor& w, const Tensor& rw, const Tensor& b, const Tensor& h0,
                        bool reverse) {
  const int64_t steps = x.shape()[0], hidden = rw.shape()[1];
  const std::vector<Tensor> wg = F::chunk(w, 3, 0), rg = F::chunk(rw, 3, 0);  // z r h
  std::vector<Tensor> bg;
  if (b.defined()) bg = F::chunk(b, 6, 0);
  Tensor h = h0.defined() ? h0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  std::vector<Tensor> outs(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const Tensor xt = x.select(0, t);
    auto lin = [&](int g, const Tensor& in, const Tensor& hh) {
      Tensor v = F::add(F::matmul(in, wg[static_cast<size_t>(g)].t()),
                        F::matmul(hh, rg[static_cast<size_t>(g)].t()));
      if (!bg.empty()) v = F::add(F::add(v, bg[static_cast<size_t>(g)]), bg[static_cast<size_t>(g + 3)]);
      return v;
    };
    const Tensor z = F::sigmoid(lin(0, xt, h));
    const Tensor r = F::sigmoid(lin(1, xt, h));
    const Tensor nn = F::tanh(lin(2, xt, F::mul(r, h)));
    h = F::add(F::mul(F::rsub(z, 1.0), nn), F::mul(z, h));
    outs[static_cast<size_t>(t)] = h;
  }
  return {F::stack(outs, 0), h};
}

// LSTM with peepholes P = [p_i, p_o, p_f] (ONNX's gate order i, o, f, c), step by step.
Tensors lstm_peephole(const Tensor& x, const Tensor& w, const Tensor& rw, const Tensor& b, const Tensor& p,
                      const Tensor& h0, const Tensor& c0, bool reverse) {
  const int64_t steps = x.shape()[0], hidden = rw.shape()[1];
  const std::vector<Tensor> pg = F::chunk(p, 3, 0);
  Tensor bias;
  if (b.defined()) {
    const auto halves = F::chunk(b, 2, 0);
    bias = F::add(halves[0], halves[1]);
  }
  Tensor h = h0.defined() ? h0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  Tensor cell = c0.defined() ? c0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  std::vector<Tensor> outs(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    Tensor gates = F::add(F::matmul(x.select(0, t), w.t()), F::matmul(h, rw.t()));
    if (bias.defined()) gates = F::add(gates, bias);
    const std::vector<Tensor> g = F::chunk(gates, 4, 1);  // i o f c
    const Tensor i = F::sigmoid(F::add(g[0], F::mul(pg[0], cell)));
    const Tensor f = F::sigmoid(F::add(g[2], F::mul(pg[2], cell)));
    cell = F::add(F::mul(f, cell), F::mul(i, F::tanh(g[3])));
    const Tensor o = F::sigmoid(F::add(g[1], F::mul(pg[1], cell)));
    h = F::mul(o, F::tanh(cell));
    outs[static_cast<size_t>(t)] = h;
  }
  return {F::stack(outs, 0), h, cell};
}

template <ops::RnnMode Base>
Tensors op_rnn(const OpContext& c) {
  const Node& n = c.node;
  ops::RnnMode mode = Base;
  const std::vector<std::string> acts = n.attr_strings("activations");
  if (Base == ops::RnnMode::Tanh) {
    STRATA_CHECK(
        acts.empty() || std::all_of(acts.begin(), acts.end(), [&](const auto& a) { return a == acts[0]; }),
        "{}: per-direction activations are not supported", n.label());
    const std::string a = acts.empty() ? "Tanh" : acts[0];
    STRATA_CHECK(a == "Tanh" || a == "Relu", "{}: activation '{}' is not supported (Tanh, Relu are)",
                 n.label(), a);
    if (a == "Relu") mode = ops::RnnMode::Relu;
  } else {
    const std::vector<std::string> standard = Base == ops::RnnMode::Lstm
                                                  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                                  : std::vector<std::string>{"Sigmoid", "Tanh"};
    for (size_t i = 0; i < acts.size(); ++i)
      STRATA_CHECK(acts[i] == standard[i % standard.size()], "{}: activation '{}' is not supported",
                   n.label(), acts[i]);
  }
  STRATA_CHECK(!n.has("clip"), "{}: clip is not supported", n.label());
  STRATA_CHECK(n.attr_int("input_forget", 0) == 0, "{}: input_forget is not supported", n.label());
  const bool batch_first = n.attr_int("layout", 0) != 0;
  const std::string direction = n.attr_string("direction", "forward");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  Tensor x = c.required(0);
  if (batch_first) x = x.transpose(0, 1);
  const Tensor &w = c.required(1), &rw = c.required(2), &b = c.in(3);
  Tensor h0 = c.in(5), c0 = c.in(6);
  if (h0.defined() && h0.dtype() != x.dtype()) h0 = h0.to(x.dtype());  // zeros typed f32 by the exporter
  if (c0.defined() && c0.dtype() != x.dtype()) c0 = c0.to(x.dtype());
  if (batch_first) {
    if (h0.defined()) h0 = h0.transpose(0, 1);
    if (c0.defined()) c0 = c0.transpose(0, 1);
  }
  Tensor lengths;
  if (c.in(4).defined()) {
    const std::vector<int64_t> lens = c.ints(4);
    if (!std::all_of(lens.begin(), lens.end(), [&](int64_t l) { return l == x.shape()[0]; }))
      lengths = from_vector<int64_t>(lens, {static_cast<int64_t>(lens.size())});
  }
  const bool reset_first = Base == ops::RnnMode::Gru && n.attr_int("linear_before_reset", 0) == 0;
  STRATA_CHECK(!reset_first || !lengths.defined(),
               "{}: sequence_lens with linear_before_reset=0 is not supported", n.label());
  std::vector<Tensor> ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const Tensor hd = h0.defined() ? h0.select(0, d) : Tensor();
    if (Base == ops::RnnMode::Lstm && c.in(7).defined()) {
      STRATA_CHECK(!lengths.defined(), "{}: sequence_lens with peepholes is not supported", n.label());
      const Tensors out =
          lstm_peephole(x, w.select(0, d), rw.select(0, d), b.defined() ? b.select(0, d) : Tensor(),
                        c.in(7).select(0, d), hd, c0.defined() ? c0.select(0, d) : Tensor(), reverse);
      ys.push_back(out[0]);
      hs.push_back(out[1]);
      cs.push_back(out[2]);
      continue;
    }
    if (reset_first) {
      const Tensors out = gru_reset_first(x, w.select(0, d), rw.select(0, d),
                                          b.defined() ? b.select(0, d) : Tensor(), hd, reverse);
      ys.push_back(out[0]);
      hs.push_back(out[1]);
      continue;
    }
    Tensor b_ih, b_hh;
    if (b.defined()) {
      const auto halves = F::chunk(b.select(0, d), 2, 0);
      b_ih = reorder_gates(halves[0], mode);
      b_hh = reorder_gates(halves[1], mode);
    }
    const ops::RnnLayerOutput out =
        ops::rnn_layer(mode, x, reorder_gates(w.select(0, d), mode), reorder_gates(rw.select(0, d), mode),
                       b_ih, b_hh, hd, c0.defined() ? c0.select(0, d) : Tensor(), {}, lengths, reverse);
    ys.push_back(out.output);
    hs.push_back(out.h_n);
    if (out.c_n.defined()) cs.push_back(out.c_n);
  }
  Tensor y = F::stack(ys, 1);  // [T, D, B, H]
  Tensor h_n = F::stack(hs, 0), c_n = cs.empty() ? Tensor() : F::stack(cs, 0);
  if (batch_first) {
    y = y.permute({2, 0, 1, 3});
    h_n = h_n.transpose(0, 1);
    if (c_n.defined()) c_n = c_n.transpose(0, 1);
  }
  return {y, h_n, c_n};
}

// ---- more elementwise and indexing ----------------------------------------------------------------

// Truncation toward zero in x's floating dtype (through i64: exact for |x| < 2^63).
Tensor trunc(const Tensor& x) { return x.to(kInt64).to(x.dtype()); }
Tensors op_floor(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor t = trunc(x);
  return {F::where(F::lt(x, t), F::sub(t, 1.0), t)};
}
Tensors op_ceil(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor t = trunc(x);
  return {F::where(F::gt(x, t), F::add(t, 1.0), t)};
}
Tensors op_round(const OpContext& c) {  // halves to even
  const Tensor& x = c.required(0);
  const Tensor up = F::add(x, 0.5);
  const Tensor t = trunc(up);
  const Tensor f = F::where(F::lt(up, t), F::sub(t, 1.0), t);  // floor(x + 0.5)
  const Tensor half = F::sub(f, F::mul(trunc(F::div(f, 2.0)), 2.0));
  const Tensor odd = F::ne(half, 0.0);
  return {F::where(F::eq(F::sub(f, x), 0.5), F::where(odd, F::sub(f, 1.0), f), f)};
}
Tensors op_isnan(const OpContext& c) { return {F::ne(c.required(0), c.required(0))}; }
Tensors op_isinf(const OpContext& c) {
  const Tensor& x = c.required(0);
  const bool pos = c.node.attr_int("detect_positive", 1) != 0,
             neg = c.node.attr_int("detect_negative", 1) != 0;
  const double inf = std::numeric_limits<double>::infinity();
  if (pos && neg) return {F::eq(F::abs(x), inf)};
  if (pos) return {F::eq(x, inf)};
  if (neg) return {F::eq(x, -inf)};
  return {zeros(x.shape(), {.dtype = kUInt8})};
}
// Mod: fmod = 1 takes the dividend's sign (C's fmod), fmod = 0 the divisor's (Python's %).
Tensors op_mod(const OpContext& c) {
  const Tensor &a = c.required(0), &b = c.required(1);
  const Tensor x = a.to(kFloat64), y = b.to(kFloat64);
  const Tensor q = F::div(x, y);
  Tensor r;
  if (c.node.attr_int("fmod", 0) != 0) {
    r = F::sub(x, F::mul(y, trunc(q)));
  } else {
    STRATA_CHECK(!a.is_floating_point(), "{}: fmod=0 needs integer inputs", c.node.label());
    const Tensor t = trunc(q);
    r = F::sub(x, F::mul(y, F::where(F::lt(q, t), F::sub(t, 1.0), t)));
  }
  return {r.to(a.dtype())};
}
Tensors op_gather_elements(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", 0), rank(x), c.node);
  const Tensor index = c.required(1).to(kInt64);
  const double dim = static_cast<double>(x.shape()[static_cast<size_t>(axis)]);
  return {F::gather(x, axis, F::add(index, F::mul(F::lt(index, 0.0).to(kInt64), dim)))};
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
// A [n] tensor 0..n-1 shaped to broadcast along `axis` of a rank-r tensor.
Tensor positions(int64_t n, int64_t axis, int64_t r) {
  Shape shape(std::vector<int64_t>(static_cast<size_t>(r), 1));
  shape[static_cast<size_t>(axis)] = n;
  return arange(static_cast<double>(n), {.dtype = kInt64}).reshape(shape);
}
Tensors op_hardmax(const OpContext& c) {
  const Tensor& x = c.required(0);
  if (c.opset < 13) {  // as a matrix [prod(shape[:axis]), prod(shape[axis:])]
    const int64_t axis = norm_axis(c.node.attr_int("axis", 1), rank(x), c.node);
    int64_t rows = 1;
    for (int64_t d = 0; d < axis; ++d) rows *= x.shape()[static_cast<size_t>(d)];
    const Tensor m = x.reshape({rows, x.numel() / std::max<int64_t>(rows, 1)});
    return {F::eq(positions(m.shape()[1], 1, 2), F::argmax(m, 1, true)).to(x.dtype()).reshape(x.shape())};
  }
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
  return {F::eq(positions(x.shape()[static_cast<size_t>(axis)], axis, rank(x)), F::argmax(x, axis, true))
              .to(x.dtype())};
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
Tensors op_mvn(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> axes = c.node.attr_ints("axes", {0, 2, 3});
  for (auto& a : axes) a = norm_axis(a, rank(x), c.node);
  const Shape dims(axes);
  const Tensor mean = F::mean(x, dims, true);
  const Tensor var = F::sub(F::mean(F::square(x), dims, true), F::square(mean));
  return {F::div(F::sub(x, mean), F::add(F::sqrt(var), 1e-9))};
}
// Local response normalisation across channels: x / (bias + alpha / size * sum of squares in the
// window)^beta.
Tensors op_lrn(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t size = c.node.attr_int("size", 1);
  const double alpha = c.node.attr_float("alpha", 1e-4), beta = c.node.attr_float("beta", 0.75);
  const double bias = c.node.attr_float("bias", 1.0);
  const int64_t before = (size - 1) / 2, after = size - 1 - before, ch = x.shape()[1];
  std::vector<int64_t> pads(2 * static_cast<size_t>(rank(x) - 2), 0);
  pads.push_back(before);
  pads.push_back(after);
  const Tensor sq = F::pad(F::square(x), pads);
  Tensor sum = sq.slice(1, 0, ch);
  for (int64_t k = 1; k < size; ++k) sum = F::add(sum, sq.slice(1, k, k + ch));
  return {F::div(x, F::pow(F::add(F::mul(sum, alpha / static_cast<double>(size)), bias), beta))};
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

// Hyperbolic and inverse-hyperbolic functions and Tan, as compositions of exp, log, sqrt, sin and cos.
Tensors op_sinh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::sub(F::exp(x), F::exp(F::neg(x))), 0.5)};
}
Tensors op_cosh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::add(F::exp(x), F::exp(F::neg(x))), 0.5)};
}
Tensors op_tan(const OpContext& c) { return {F::div(F::sin(c.required(0)), F::cos(c.required(0)))}; }
Tensors op_asinh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::log(F::add(x, F::sqrt(F::add(F::square(x), 1.0))))};
}
Tensors op_acosh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::log(F::add(x, F::sqrt(F::sub(F::square(x), 1.0))))};
}
Tensors op_atanh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::log(F::div(F::add(x, 1.0), F::rsub(x, 1.0))), 0.5)};
}
Tensors op_shrink(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double lambd = c.node.attr_float("lambd", 0.5), bias = c.node.attr_float("bias", 0.0);
  const Tensor y =
      F::where(F::lt(x, -lambd), F::add(x, bias), F::where(F::gt(x, lambd), F::sub(x, bias), zeros_like(x)));
  return {y.dtype() == x.dtype() ? y : y.to(x.dtype())};
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

const std::unordered_map<std::string, OperatorFn>& table() {
  static const std::unordered_map<std::string, OperatorFn> ops = {
      {"Abs", op_abs},
      {"Add", op_add},
      {"And", op_logical<0>},
      {"ArgMax", op_arg<true>},
      {"ArgMin", op_arg<false>},
      {"AveragePool", op_pool<false>},
      {"BatchNormalization", op_batch_norm},
      {"Cast", op_cast},
      {"CastLike", op_cast_like},
      {"Celu", op_celu},
      {"Clip", op_clip},
      {"Concat", op_concat},
      {"Constant", op_constant},
      {"ConstantOfShape", op_constant_of_shape},
      {"Conv", op_conv},
      {"ConvTranspose", op_conv_transpose},
      {"Acosh", op_acosh},
      {"Asinh", op_asinh},
      {"Atanh", op_atanh},
      {"Compress", op_compress},
      {"Cosh", op_cosh},
      {"GatherND", op_gather_nd},
      {"ScatterElements", op_scatter_elements},
      {"ScatterND", op_scatter_nd},
      {"Shrink", op_shrink},
      {"Sinh", op_sinh},
      {"Tan", op_tan},
      {"TopK", op_topk},
      {"CumSum", op_cumsum},
      {"DepthToSpace", op_depth_to_space},
      {"EyeLike", op_eye_like},
      {"Ceil", op_ceil},
      {"Floor", op_floor},
      {"GatherElements", op_gather_elements},
      {"Hardmax", op_hardmax},
      {"IsInf", op_isinf},
      {"IsNaN", op_isnan},
      {"LRN", op_lrn},
      {"MeanVarianceNormalization", op_mvn},
      {"Mod", op_mod},
      {"NonZero", op_nonzero},
      {"OneHot", op_one_hot},
      {"Round", op_round},
      {"SpaceToDepth", op_space_to_depth},
      {"Trilu", op_trilu},
      {"Cos", op_cos},
      {"Div", op_div},
      {"Dropout", op_dropout},
      {"Elu", op_elu},
      {"Equal", op_compare<0>},
      {"Erf", op_erf},
      {"Exp", op_exp},
      {"Expand", op_expand},
      {"Flatten", op_flatten},
      {"GRU", op_rnn<ops::RnnMode::Gru>},
      {"Gather", op_gather},
      {"Gemm", op_gemm},
      {"GlobalAveragePool", op_global_average_pool},
      {"GlobalMaxPool", op_global_max_pool},
      {"Greater", op_compare<2>},
      {"GreaterOrEqual", op_compare<4>},
      {"HardSigmoid", op_hard_sigmoid},
      {"HardSwish", op_hard_swish},
      {"Identity", op_identity},
      {"InstanceNormalization", op_instance_norm},
      {"LSTM", op_rnn<ops::RnnMode::Lstm>},
      {"LayerNormalization", op_layer_norm},
      {"LeakyRelu", op_leaky_relu},
      {"Less", op_compare<1>},
      {"LessOrEqual", op_compare<3>},
      {"Log", op_log},
      {"LogSoftmax", op_softmax<true>},
      {"MatMul", op_matmul},
      {"Max", op_variadic<2>},
      {"MaxPool", op_pool<true>},
      {"Mean", op_variadic<1>},
      {"Min", op_variadic<3>},
      {"Mul", op_mul},
      {"Neg", op_neg},
      {"Not", op_not},
      {"Or", op_logical<1>},
      {"PRelu", op_prelu},
      {"Pad", op_pad},
      {"Pow", op_pow},
      {"RNN", op_rnn<ops::RnnMode::Tanh>},
      {"Range", op_range},
      {"Reciprocal", op_reciprocal},
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
      {"Relu", op_relu},
      {"Reshape", op_reshape},
      {"Resize", op_resize},
      {"Selu", op_selu},
      {"Shape", op_shape},
      {"Sigmoid", op_sigmoid},
      {"Sign", op_sign},
      {"Sin", op_sin},
      {"Size", op_size},
      {"Slice", op_slice},
      {"Softmax", op_softmax<false>},
      {"Softplus", op_softplus},
      {"Softsign", op_softsign},
      {"Split", op_split},
      {"Sqrt", op_sqrt},
      {"Squeeze", op_squeeze},
      {"Sub", op_sub},
      {"Sum", op_variadic<0>},
      {"Tanh", op_tanh},
      {"ThresholdedRelu", op_thresholded_relu},
      {"Tile", op_tile},
      {"Transpose", op_transpose},
      {"Unsqueeze", op_unsqueeze},
      {"Upsample", op_upsample},
      {"Where", op_where},
      {"Xor", op_logical<2>},
  };
  return ops;
}

}  // namespace

OperatorFn find_operator(const std::string& op_type) {
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> operator_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : table()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace strata::onnx::detail
