// The ONNX importer's convolution and pooling: Conv, ConvTranspose, MaxPool, AveragePool and the global
// pools.
#include <algorithm>
#include <limits>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

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

}  // namespace

void add_conv_ops(OperatorTable& table) {
  table.insert({
      {"AveragePool", op_pool<false>},
      {"Conv", op_conv},
      {"ConvTranspose", op_conv_transpose},
      {"GlobalAveragePool", op_global_average_pool},
      {"GlobalMaxPool", op_global_max_pool},
      {"MaxPool", op_pool<true>},
  });
}

}  // namespace strata::onnx::detail
