// int8 inference kernels on oneDNN 2.6 (see int8.h for the arithmetic).
#include "kernels/cpu/int8.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "kernels/cpu/conv_dnnl.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/elementwise.h"
#include "strata/core/error.h"

namespace strata::kernels::cpu::int8 {
namespace {

namespace du = dnnl_util;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::dims strides_of(const Tensor& x) {
  dnnl::memory::dims d;
  for (int64_t i = 0; i < x.dim(); ++i) d.push_back(x.strides()[i]);
  return d;
}

// A reorder from `from` to `to` multiplying by `scale` (quantisation: round to nearest even, saturate).
dnnl::reorder scaled_reorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to, float scale) {
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {scale});
  return dnnl::reorder(dnnl::reorder::primitive_desc(du::engine(), from, du::engine(), to, attr));
}

}  // namespace

struct Int8Layer::Plan {
  dnnl::primitive prim;
  dnnl::memory::desc src, weights, bias, dst, scratchpad;
  std::optional<dnnl::reorder> quantize;  // f32 input -> src
  dnnl::memory::desc input;               // the input as given (f32 or u8)
  std::shared_ptr<du::Buffer> packed;     // weights in the primitive's layout
  std::vector<float> scaled_bias;         // bias / (s_in * s_w)
  Shape out_shape;
  // Fused max pool: the input's 2x2 blocks (quantised when f32), the convolution's phase outputs.
  std::optional<dnnl::reorder> blocks;
  dnnl::memory::desc block_input, block_src, phase_dst;
  dnnl::memory::desc quantized_input;  // an f32 input quantised in its own layout, before the blocks
  int64_t phases_out = 0;              // output channels of the original layer
};

namespace {

// The weight of the phase-decomposed convolution (see Int8ConvGeometry::max_pool): out channel
// phase * oc + o (phase = dy * 2 + dx), in channel c * 4 + iy * 2 + ix, tap (by, bx) holds the original
// tap (2 by + iy - dy, 2 bx + ix - dx), or 0 outside the kernel.
Tensor phase_weight(const Tensor& w) {
  const int64_t oc = w.size(0), ic = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t bh = kh / 2 + 1, bw = kw / 2 + 1;
  Tensor out = kernels::empty(Shape({4 * oc, 4 * ic, bh, bw}), kUInt8, w.device());
  const auto* src = static_cast<const int8_t*>(w.raw_data());
  auto* dst = static_cast<int8_t*>(out.raw_data());
  for (int64_t dy = 0; dy < 2; ++dy)
    for (int64_t dx = 0; dx < 2; ++dx)
      for (int64_t o = 0; o < oc; ++o)
        for (int64_t c = 0; c < ic; ++c)
          for (int64_t iy = 0; iy < 2; ++iy)
            for (int64_t ix = 0; ix < 2; ++ix)
              for (int64_t by = 0; by < bh; ++by)
                for (int64_t bx = 0; bx < bw; ++bx) {
                  const int64_t ky = 2 * by + iy - dy, kx = 2 * bx + ix - dx;
                  const int64_t to =
                      (((((dy * 2 + dx) * oc + o) * 4 * ic + c * 4 + iy * 2 + ix) * bh + by) * bw) + bx;
                  dst[to] =
                      ky >= 0 && ky < kh && kx >= 0 && kx < kw ? src[((o * ic + c) * kh + ky) * kw + kx] : 0;
                }
  return out;
}

template <typename T>
std::vector<T> repeat4(const std::vector<T>& v) {
  std::vector<T> out;
  for (int i = 0; i < 4; ++i) out.insert(out.end(), v.begin(), v.end());
  return out;
}

// out[p, o] = max over the 4 phases of in[p, phase * oc + o], for `pixels` pixels (channels-last rows).
template <typename T>
void phase_max(const T* in, T* out, int64_t pixels, int64_t oc) {
  for (int64_t p = 0; p < pixels; ++p) {
    const T* a = in + p * 4 * oc;
    T* o = out + p * oc;
    for (int64_t c = 0; c < oc; ++c)
      o[c] = std::max(std::max(a[c], a[oc + c]), std::max(a[2 * oc + c], a[3 * oc + c]));
  }
}

}  // namespace

Int8Layer::Int8Layer(Tensor weight, std::vector<float> weight_scale, Tensor bias, Int8Quant quant, bool conv,
                     Int8ConvGeometry geometry)
    : weight_(du::dense(weight)),
      weight_scale_(std::move(weight_scale)),
      bias_(bias.defined() ? du::dense(bias) : bias),
      quant_(quant),
      conv_(conv),
      geometry_(geometry) {
  STRATA_CHECK(weight_.dtype() == kUInt8, "Int8Layer: weight must hold s8 bits in a u8 tensor, got {}",
               dtype_name(weight_.dtype()));
  STRATA_CHECK(weight_.dim() == (conv ? 4 : 2), "Int8Layer: weight must be {}-D, got {}", conv ? 4 : 2,
               weight_.shape().str());
  STRATA_CHECK(static_cast<int64_t>(weight_scale_.size()) == weight_.size(0),
               "Int8Layer: {} weight scales for {} output channels", weight_scale_.size(), weight_.size(0));
  STRATA_CHECK(!bias_.defined() || (bias_.dtype() == kFloat32 && bias_.numel() == weight_.size(0)),
               "Int8Layer: bias must be f32 [{}], got {} {}", weight_.size(0), dtype_name(bias_.dtype()),
               bias_.shape().str());
  STRATA_CHECK(quant_.input_scale > 0 && std::isfinite(quant_.input_scale),
               "Int8Layer: input scale must be positive and finite, got {}", quant_.input_scale);
  STRATA_CHECK(quant_.output_scale >= 0 && std::isfinite(quant_.output_scale),
               "Int8Layer: output scale must be non-negative and finite, got {}", quant_.output_scale);
  STRATA_CHECK(!quant_.residual || (conv && quant_.output_scale == 0 && !geometry.max_pool),
               "Int8Layer: a residual add needs a convolution with f32 output and no fused pool");
  if (geometry_.max_pool) {
    const Int8ConvGeometry& g = geometry_;
    STRATA_CHECK(conv_ && g.stride[0] == 1 && g.stride[1] == 1 && g.dilation[0] == 1 && g.dilation[1] == 1 &&
                     g.groups == 1 && g.pad_begin[0] == g.pad_end[0] && g.pad_begin[1] == g.pad_end[1] &&
                     g.pad_begin[0] % 2 == 0 && g.pad_begin[1] % 2 == 0,
                 "QuantizedConv2d: a fused max pool needs stride 1, dilation 1, groups 1 and even symmetric "
                 "padding, got stride ({}, {}), dilation ({}, {}), groups {}, padding ({}, {})",
                 g.stride[0], g.stride[1], g.dilation[0], g.dilation[1], g.groups, g.pad_begin[0],
                 g.pad_begin[1]);
    phase_out_ = weight_.size(0);
    kernel_[0] = weight_.size(2);
    kernel_[1] = weight_.size(3);
    weight_ = phase_weight(weight_);
    weight_scale_ = repeat4(weight_scale_);
    if (bias_.defined()) {
      Tensor b = kernels::empty(Shape({4 * phase_out_}), kFloat32, bias_.device());
      for (int i = 0; i < 4; ++i)
        std::copy_n(bias_.data_ptr<float>(), phase_out_, b.data_ptr<float>() + i * phase_out_);
      bias_ = b;
    }
  }
}

Int8Layer::~Int8Layer() = default;

std::shared_ptr<const Int8Layer::Plan> Int8Layer::plan(const Tensor& x) const {
  const bool f32_in = x.dtype() == kFloat32;
  const bool cl = conv_ && is_channels_last(x);
  std::vector<int64_t> key = {f32_in, cl, omp_in_parallel() ? 1 : omp_get_max_threads()};
  for (int64_t i = 0; i < x.dim(); ++i) key.push_back(x.size(i));
  if (geometry_.max_pool)  // the blocks are read through x's strides
    for (int64_t i = 0; i < x.dim(); ++i) key.push_back(x.strides()[i]);
  {
    std::lock_guard lock(mutex_);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
  }
  auto p = std::make_shared<Plan>();
  const dt src_dt = f32_in ? (quant_.src_signed ? dt::s8 : dt::u8) : dt::u8;
  const dt dst_dt = quant_.output_scale > 0 ? dt::u8 : dt::f32;
  const float out_div = quant_.output_scale > 0 ? quant_.output_scale : 1.f;
  const int64_t oc = weight_.size(0);
  std::vector<float> scales(oc);
  p->scaled_bias.assign(oc, 0.f);
  const float* b = bias_.defined() ? bias_.data_ptr<float>() : nullptr;
  for (int64_t c = 0; c < oc; ++c) {
    const float s = quant_.input_scale * weight_scale_[c];
    scales[c] = s / out_div;
    if (b) p->scaled_bias[c] = b[c] / s;
  }
  dnnl::primitive_attr attr = du::user_scratchpad();
  attr.set_output_scales(1 << 1, scales);
  if (quant_.relu || quant_.residual) {
    dnnl::post_ops ops;
    if (quant_.residual) ops.append_sum(1.f);
    if (quant_.relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  dnnl::memory::desc user_weights;
  dnnl::primitive_desc_base pd_base;
  if (conv_ && geometry_.max_pool) {
    // The 2x2 blocks of the input as channels: [n, ih / 2, iw / 2, ic, 2, 2] read through x's strides.
    const int64_t n = x.size(0), ic = x.size(1), ih = x.size(2), iw = x.size(3);
    STRATA_CHECK(ic * 4 == weight_.size(1), "QuantizedConv2d: input has {} channels, the layer expects {}",
                 ic, weight_.size(1) / 4);
    STRATA_CHECK(ih % 2 == 0 && iw % 2 == 0,
                 "QuantizedConv2d: a fused max pool needs an even input height and width, got {}",
                 x.shape().str());
    const int64_t oh = ih + 2 * geometry_.pad_begin[0] - kernel_[0] + 1;
    const int64_t ow = iw + 2 * geometry_.pad_begin[1] - kernel_[1] + 1;
    STRATA_CHECK(oh >= 2 && ow >= 2, "QuantizedConv2d: input {} is too small for kernel {}x{} and a 2x2 pool",
                 x.shape().str(), kernel_[0], kernel_[1]);
    const int64_t hb = ih / 2, wb = iw / 2, hp = oh / 2, wp = ow / 2, q0 = geometry_.pad_begin[0] / 2,
                  q1 = geometry_.pad_begin[1] / 2;
    const auto& st = x.strides();
    const dnnl::memory::dims bd = {n, hb, wb, ic, 2, 2};
    // f32 inputs are first quantised in their own (dense) layout, then cut into blocks byte-wise: two
    // reorders, 0.08 ms for LeNet-5's batch of 256 against 0.13 ms for one quantising block reorder.
    p->block_input = dnnl::memory::desc(bd, f32_in ? src_dt : dt::u8,
                                        dnnl::memory::dims{st[0], 2 * st[2], 2 * st[3], st[1], st[2], st[3]});
    if (f32_in) {
      const dnnl::memory::dims sd = {n, ic, ih, iw};
      p->input = dnnl::memory::desc(sd, dt::f32, strides_of(x));
      p->quantized_input = dnnl::memory::desc(sd, src_dt, strides_of(x));
      p->quantize = scaled_reorder(p->input, p->quantized_input, 1.f / quant_.input_scale);
    }
    p->block_src = dnnl::memory::desc(bd, src_dt, tag::abcdef);
    p->src = dnnl::memory::desc({n, 4 * ic, hb, wb}, src_dt, tag::nhwc);
    p->phases_out = phase_out_;
    p->out_shape = Shape({n, phase_out_, hp, wp});
    const int64_t kh = weight_.size(2), kw = weight_.size(3);
    const dnnl::memory::dims wd = {4 * phase_out_, 4 * ic, kh, kw};
    user_weights = dnnl::memory::desc(wd, dt::s8, tag::oihw);
    p->bias = dnnl::memory::desc({oc}, dt::f32, tag::x);
    p->dst = p->phase_dst = dnnl::memory::desc({n, oc, hp, wp}, dst_dt, tag::nhwc);
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                      p->src, dnnl::memory::desc(wd, dt::s8, tag::any), p->bias, p->dst,
                                      {1, 1}, {0, 0}, {q0, q1}, {q0, q1});
    dnnl::convolution_forward::primitive_desc pd(d, attr, du::engine());
    p->weights = pd.weights_desc();
    p->scratchpad = pd.scratchpad_desc();
    p->prim = dnnl::convolution_forward(pd);
    p->blocks = dnnl::reorder(
        dnnl::reorder::primitive_desc(du::engine(), p->block_input, du::engine(), p->block_src));
  } else if (conv_) {
    const int64_t n = x.size(0), ic = x.size(1), ih = x.size(2), iw = x.size(3);
    const int64_t kh = weight_.size(2), kw = weight_.size(3), g = geometry_.groups;
    STRATA_CHECK(ic == weight_.size(1) * g, "QuantizedConv2d: input has {} channels, weight {} expects {}",
                 ic, weight_.shape().str(), weight_.size(1) * g);
    auto out_size = [&](int64_t in, int64_t k, int d) {
      return (in + geometry_.pad_begin[d] + geometry_.pad_end[d] - geometry_.dilation[d] * (k - 1) - 1) /
                 geometry_.stride[d] +
             1;
    };
    const int64_t oh = out_size(ih, kh, 0), ow = out_size(iw, kw, 1);
    STRATA_CHECK(oh > 0 && ow > 0, "QuantizedConv2d: input {} is too small for kernel {}x{}", x.shape().str(),
                 kh, kw);
    p->out_shape = Shape({n, oc, oh, ow});
    const dnnl::memory::dims sd = {n, ic, ih, iw};
    p->src = dnnl::memory::desc(sd, src_dt, cl || f32_in ? tag::nhwc : tag::nchw);
    p->input = f32_in ? dnnl::memory::desc(sd, dt::f32, strides_of(x))
                      : dnnl::memory::desc(sd, dt::u8, strides_of(x));
    if (!f32_in) p->src = p->input;
    dnnl::memory::dims wd =
        g > 1 ? dnnl::memory::dims{g, oc / g, ic / g, kh, kw} : dnnl::memory::dims{oc, ic, kh, kw};
    user_weights = dnnl::memory::desc(wd, dt::s8, g > 1 ? tag::goihw : tag::oihw);
    p->bias = dnnl::memory::desc({oc}, dt::f32, tag::x);
    p->dst = dnnl::memory::desc({n, oc, oh, ow}, dst_dt, tag::nhwc);
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, p->src,
        dnnl::memory::desc(wd, dt::s8, tag::any), p->bias, p->dst, {geometry_.stride[0], geometry_.stride[1]},
        {geometry_.dilation[0] - 1, geometry_.dilation[1] - 1},
        {geometry_.pad_begin[0], geometry_.pad_begin[1]}, {geometry_.pad_end[0], geometry_.pad_end[1]});
    dnnl::convolution_forward::primitive_desc pd(d, attr, du::engine());
    p->weights = pd.weights_desc();
    p->scratchpad = pd.scratchpad_desc();
    p->prim = dnnl::convolution_forward(pd);
  } else {
    STRATA_CHECK(x.dim() == 2 && x.size(1) == weight_.size(1),
                 "QuantizedLinear: input {} does not match weight {} (expected [N, {}])", x.shape().str(),
                 weight_.shape().str(), weight_.size(1));
    const int64_t m = x.size(0), k = x.size(1);
    p->out_shape = Shape({m, oc});
    p->src = dnnl::memory::desc({m, k}, src_dt, tag::ab);
    p->input = dnnl::memory::desc({m, k}, f32_in ? dt::f32 : dt::u8, tag::ab);
    user_weights = dnnl::memory::desc({k, oc}, dt::s8, dnnl::memory::dims{1, k});
    p->bias = dnnl::memory::desc({1, oc}, dt::f32, tag::ab);
    p->dst = dnnl::memory::desc({m, oc}, dst_dt, tag::ab);
    dnnl::matmul::desc d(p->src, dnnl::memory::desc({k, oc}, dt::s8, tag::any), p->bias, p->dst);
    dnnl::matmul::primitive_desc pd(d, attr, du::engine());
    p->weights = pd.weights_desc();
    p->scratchpad = pd.scratchpad_desc();
    p->prim = dnnl::matmul(pd);
  }
  if (f32_in && !geometry_.max_pool) p->quantize = scaled_reorder(p->input, p->src, 1.f / quant_.input_scale);
  // Pack the weights once (oneDNN adds the s8-source compensation the layout asks for).
  p->packed = std::make_shared<du::Buffer>(p->weights.get_size());
  dnnl::memory from = du::wrap(user_weights, weight_.raw_data());
  dnnl::memory to(p->weights, du::engine(), p->packed->get());
  dnnl::reorder(from, to).execute(du::stream(), from, to);
  du::stream().wait();
  std::lock_guard lock(mutex_);
  if (plans_.size() >= 64) plans_.clear();
  plans_.emplace(key, p);
  return p;
}

Tensor Int8Layer::forward(const Tensor& input, const Tensor& residual) const {
  STRATA_CHECK(input.device().is_cpu(), "{}: int8 layers run on the CPU, input is on {}",
               conv_ ? "QuantizedConv2d" : "QuantizedLinear", input.device().str());
  STRATA_CHECK(input.dtype() == kFloat32 || input.dtype() == kUInt8,
               "{}: input must be f32 or u8 (an int8 layer's output), got {}",
               conv_ ? "QuantizedConv2d" : "QuantizedLinear", dtype_name(input.dtype()));
  STRATA_CHECK(input.dim() == (conv_ ? 4 : 2), "{}: input must be {}-D, got {}",
               conv_ ? "QuantizedConv2d" : "QuantizedLinear", conv_ ? 4 : 2, input.shape().str());
  const Tensor x = conv_ ? du::dense_activation(input) : du::dense(input);
  const bool serial = x.numel() * weight_.numel() / std::max<int64_t>(weight_.size(0), 1) < du::kSerialMacs;
  du::SerialScope scope(serial);
  auto p = plan(x);
  const Dtype out_dtype = quant_.output_scale > 0 ? kUInt8 : kFloat32;
  Tensor out = conv_ ? empty_channels_last(p->out_shape, out_dtype, x.device())
                     : kernels::empty(p->out_shape, out_dtype, x.device());
  dnnl::stream& s = du::stream();
  std::optional<du::Buffer> quantized, phases;
  dnnl::memory src, dst = du::wrap(p->dst, out.raw_data());
  STRATA_CHECK(residual.defined() == quant_.residual, "QuantizedConv2d: {}",
               quant_.residual ? "the residual add needs its second input"
                               : "no residual add was fused, got a second input");
  if (residual.defined()) {
    STRATA_CHECK(
        residual.dtype() == kFloat32 && residual.shape() == p->out_shape && residual.device().is_cpu(),
        "QuantizedConv2d: the residual must be f32 {}, got {} {}", p->out_shape.str(),
        dtype_name(residual.dtype()), residual.shape().str());
    const dnnl::memory::desc rd(p->dst.dims(), dt::f32, strides_of(residual));
    dnnl::memory from = du::wrap(rd, residual.raw_data());
    dnnl::reorder(from, dst).execute(s, from, dst);
  }
  if (p->blocks) {
    std::optional<du::Buffer> input_q;
    const void* in = x.raw_data();
    if (p->quantize) {
      input_q.emplace(p->quantized_input.get_size());
      dnnl::memory user = du::wrap(p->input, x.raw_data()), q = du::wrap(p->quantized_input, input_q->get());
      p->quantize->execute(s, user, q);
      in = input_q->get();
    }
    quantized.emplace(p->block_src.get_size());
    dnnl::memory user = du::wrap(p->block_input, in), blocks = du::wrap(p->block_src, quantized->get());
    p->blocks->execute(s, user, blocks);
    src = du::wrap(p->src, quantized->get());
    phases.emplace(p->phase_dst.get_size());
    dst = du::wrap(p->phase_dst, phases->get());
  } else if (p->quantize) {
    quantized.emplace(p->src.get_size());
    src = dnnl::memory(p->src, du::engine(), quantized->get());
    dnnl::memory user = du::wrap(p->input, x.raw_data());
    p->quantize->execute(s, user, src);
  } else {
    src = du::wrap(p->src, x.raw_data());
  }
  std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, src},
      {DNNL_ARG_WEIGHTS, du::wrap(p->weights, p->packed->get())},
      {DNNL_ARG_BIAS, du::wrap(p->bias, p->scaled_bias.data())},
      {DNNL_ARG_DST, dst},
  };
  du::execute(p->prim, args, p->scratchpad);
  if (phases) {
    const int64_t pixels = p->out_shape[0] * p->out_shape[2] * p->out_shape[3];
    if (out_dtype == kUInt8)
      phase_max(static_cast<const uint8_t*>(phases->get()), static_cast<uint8_t*>(out.raw_data()), pixels,
                p->phases_out);
    else
      phase_max(static_cast<const float*>(phases->get()), out.data_ptr<float>(), pixels, p->phases_out);
  }
  return out;
}

Tensor quantize_per_tensor(const Tensor& input, float scale, bool is_signed) {
  STRATA_CHECK(input.dtype() == kFloat32 && input.device().is_cpu(),
               "quantize_per_tensor: input must be an f32 CPU tensor, got {} on {}",
               dtype_name(input.dtype()), input.device().str());
  STRATA_CHECK(scale > 0 && std::isfinite(scale), "quantize_per_tensor: scale must be positive, got {}",
               scale);
  const Tensor x = du::dense(input);
  Tensor out = kernels::empty(x.shape(), kUInt8, x.device());
  if (x.numel() == 0) return out;
  const dnnl::memory::dims d = {x.numel()};
  dnnl::memory::desc from(d, dt::f32, tag::a), to(d, is_signed ? dt::s8 : dt::u8, tag::a);
  dnnl::memory src = du::wrap(from, x.raw_data()), dst = du::wrap(to, out.raw_data());
  scaled_reorder(from, to, 1.f / scale).execute(du::stream(), src, dst);
  du::stream().wait();
  return out;
}

Tensor dequantize_per_tensor(const Tensor& input, float scale) {
  STRATA_CHECK(input.dtype() == kUInt8 && input.device().is_cpu(),
               "dequantize_per_tensor: input must be a u8 CPU tensor, got {} on {}",
               dtype_name(input.dtype()), input.device().str());
  const Tensor x = input.dim() == 4 ? du::dense_activation(input) : du::dense(input);
  Tensor out = input.dim() == 4 && is_channels_last(x) ? empty_channels_last(x.shape(), kFloat32, x.device())
                                                       : kernels::empty(x.shape(), kFloat32, x.device());
  if (x.numel() == 0) return out;
  const dnnl::memory::dims d = {x.numel()};
  dnnl::memory::desc from(d, dt::u8, tag::a), to(d, dt::f32, tag::a);
  dnnl::memory src = du::wrap(from, x.raw_data()), dst = du::wrap(to, out.raw_data());
  scaled_reorder(from, to, scale).execute(du::stream(), src, dst);
  du::stream().wait();
  return out;
}

std::pair<Tensor, std::vector<float>> quantize_weight(const Tensor& weight) {
  STRATA_CHECK(weight.dtype() == kFloat32 && weight.dim() >= 2,
               "quantize_weight: weight must be f32 with an output-channel dim, got {} {}",
               dtype_name(weight.dtype()), weight.shape().str());
  const Tensor w = du::dense(weight);
  const int64_t oc = w.size(0), per = w.numel() / std::max<int64_t>(oc, 1);
  Tensor q = kernels::empty(w.shape(), kUInt8, w.device());
  std::vector<float> scales(oc);
  const float* src = w.data_ptr<float>();
  auto* dst = static_cast<int8_t*>(q.raw_data());
  for (int64_t c = 0; c < oc; ++c) {
    float amax = 0.f;
    for (int64_t i = 0; i < per; ++i) amax = std::max(amax, std::fabs(src[c * per + i]));
    scales[c] = amax > 0 ? amax / 127.f : 1.f;
    for (int64_t i = 0; i < per; ++i) {
      const float v = std::nearbyint(src[c * per + i] / scales[c]);
      dst[c * per + i] = static_cast<int8_t>(std::clamp(v, -127.f, 127.f));
    }
  }
  return {q, scales};
}

}  // namespace strata::kernels::cpu::int8
