// CPU convolutions. f32 runs on oneDNN's convolution primitives (forward, backward data, backward
// weights). Activations run channels-last (memory_format.h): the direct kernels read and write it
// natively, so a network's activations pass from layer to layer without reorders; NCHW inputs are
// reordered once, and the thinnest problems stay on NCHW's im2col + gemm kernels. Weights stay OIHW
// and are reordered to oneDNN's blocked layout per call. Large 3x3 stride-1 problems may run oneDNN's
// Winograd kernels instead, where timing both once shows they win (ConvAlgorithm in conv.h). Primitives and
// reorders are cached by shape, parameters and input layouts. f64 (gradient checks, reference) and any
// problem oneDNN refuses run on straightforward loops.
#include "kernels/cpu/conv.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "kernels/cpu/bf16.h"
#include "kernels/cpu/conv_dnnl.h"
#include "kernels/cpu/conv_loops.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {
namespace {

namespace du = dnnl_util;
using namespace conv_detail;

// oneDNN's weight-gradient kernels split the batch across threads and join them at a spinning
// barrier; on a busy machine a descheduled partner stalls the other for a time slice (LeNet's
// 7.5M- and 15M-multiply-add weight gradients took 10 ms instead of 0.4 at 2 threads). Below this
// size they run on one thread.
constexpr int64_t kSerialWeightGradMacs = int64_t{1} << 24;

// ---- oneDNN (f32) -------------------------------------------------------------------------------------

// oneDNN wants pad_end + stride > 0. Rows past in + pad_end are never read, so when the exact pad is
// more negative than that, the input is cropped to them and pad_end becomes 0.
struct Cropped {
  Geometry g;
  Conv2dParams p;
  bool cropped = false;
};

Cropped crop_for_dnnl(const Geometry& g, const Conv2dParams& p) {
  Cropped c{g, p};
  for (int d = 0; d < 2; ++d) {
    if (p.pad_end[d] + p.stride[d] > 0) continue;
    (d == 0 ? c.g.ih : c.g.iw) += p.pad_end[d];
    c.p.pad_end[d] = 0;
    c.cropped = true;
  }
  return c;
}

struct Descs {
  dnnl::memory::desc src, weights, bias, dst;
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
};

// The descriptors of our tensors: src and dst (activations) channels-last or NCHW as flagged.
Descs describe(const Geometry& g, const Conv2dParams& p, bool bias, bool src_cl = false,
               bool dst_cl = false) {
  Descs d;
  d.src = du::activation({g.n, g.ic, g.ih, g.iw}, src_cl);
  d.dst = du::activation({g.n, g.oc, g.oh, g.ow}, dst_cl);
  d.weights = p.groups == 1 ? du::plain({g.oc, g.ic, g.kh, g.kw})
                            : du::plain({p.groups, g.oc / p.groups, g.ic / p.groups, g.kh, g.kw});
  if (bias) d.bias = du::plain({g.oc});
  d.strides = {p.stride[0], p.stride[1]};
  d.dilates = {p.dilation[0] - 1, p.dilation[1] - 1};  // oneDNN counts dilation from 0
  d.pad_l = {p.pad_begin[0], p.pad_begin[1]};
  d.pad_r = {p.pad_end[0], p.pad_end[1]};
  return d;
}

// `d` with src, weights and dst left to the primitive (Winograd picks its own blocked layouts); bias stays.
Descs any_layouts(Descs d) {
  d.src = du::any_layout(d.src);
  d.weights = du::any_layout(d.weights);
  d.dst = du::any_layout(d.dst);
  return d;
}

dnnl::convolution_forward::desc forward_desc(const Descs& d, bool bias,
                                             dnnl::algorithm algo = dnnl::algorithm::convolution_direct) {
  if (bias) {
    return {dnnl::prop_kind::forward_training,
            algo,
            d.src,
            d.weights,
            d.bias,
            d.dst,
            d.strides,
            d.dilates,
            d.pad_l,
            d.pad_r};
  }
  return {dnnl::prop_kind::forward_training,
          algo,
          d.src,
          d.weights,
          d.dst,
          d.strides,
          d.dilates,
          d.pad_l,
          d.pad_r};
}

enum Tag : int64_t { kForward = 1, kBackwardData, kBackwardWeights };

// `layouts`: bit 0 set when the first activation argument is channels-last, bit 1 the second.
du::Key key(Tag tag, const Geometry& g, const Conv2dParams& p, bool bias, int64_t layouts) {
  // The algorithm setting is part of the key: changing it must not return primitives chosen under another.
  const int64_t variant = layouts + 4 * static_cast<int64_t>(conv_algorithm());
  return du::make_key(tag, {g.n, g.ic, g.ih, g.iw, g.oc, g.kh, g.kw, p.stride[0], p.stride[1], p.pad_begin[0],
                            p.pad_begin[1], p.pad_end[0], p.pad_end[1], p.dilation[0], p.dilation[1],
                            p.groups, bias, static_cast<int64_t>(p.compute), variant});
}

// A created primitive and its arguments in a fixed order per kind (see the *_prim functions); `ok` is
// false when oneDNN has no implementation (the loops run instead).
struct Prim {
  bool ok = false;
  dnnl::primitive prim;
  std::vector<du::Arg> args;
  dnnl::memory::desc scratchpad;
  bool channels_last_out = false;  // the activation it writes (dst or diff_src) is channels-last
};

template <typename Create>
std::shared_ptr<const Prim> cached(const du::Key& k, Create create) {
  static du::Cache<Prim> cache;
  return cache.get(k, [&] {
    auto out = std::make_shared<Prim>();
    try {
      create(*out);
    } catch (const dnnl::error&) {
    }
    out->ok = static_cast<bool>(out->prim);  // create may catch its own errors and leave no primitive
    return out;
  });
}

// oneDNN's direct kernels (channels-last or blocked) run several times faster than the NCHW ones for
// all but the thinnest inputs: the NCHW kernels go through im2col + gemm.
bool blocked_pays(int64_t channels_per_group) { return channels_per_group >= 4; }

// Depthwise convolutions (one input channel per group, MobileNet's) have oneDNN kernels of their own for
// channels-last and blocked layouts; the NCHW path would also hand NCHW gradients to channels-last layers.
bool depthwise(const Geometry& g, const Conv2dParams& p) { return p.groups > 1 && p.groups == g.ic; }

dnnl::memory::desc with_format(const dnnl::memory::desc& md, dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(md.dims(), md.data_type(), tag);
}

bool is_reference(const char* impl) { return std::strncmp(impl, "ref", 3) == 0; }

// Makes a primitive descriptor for `user` (our tensors' descriptors). When `blocked` (direct kernels
// pay), channels-last activations come first: the kernels produce and consume them natively, so
// activations cross layers without reorders (measured on LeNet and a conv + BN CNN: the reorders to and
// from oneDNN's blocked nChw16c cost more than the blocked kernels save). Then oneDNN's preferred
// layouts, with reorders; last (or when those land on a reference kernel) plain NCHW.
template <typename Make>
auto pick_layouts(const Descs& user, bool blocked, Make make) {
  if (blocked) {
    Descs cl = user;
    cl.src = with_format(user.src, dnnl::memory::format_tag::nhwc);
    cl.dst = with_format(user.dst, dnnl::memory::format_tag::nhwc);
    cl.weights = du::any_layout(user.weights);
    try {
      auto pd = make(cl);
      if (!is_reference(pd.impl_info_str())) return pd;
    } catch (const dnnl::error&) {
    }
    Descs any = user;
    any.src = du::any_layout(user.src);
    any.weights = du::any_layout(user.weights);
    any.dst = du::any_layout(user.dst);
    try {
      auto pd = make(any);
      if (!is_reference(pd.impl_info_str())) return pd;
    } catch (const dnnl::error&) {
    }
  }
  Descs plain = user;
  plain.src = with_format(user.src, dnnl::memory::format_tag::nchw);
  plain.dst = with_format(user.dst, dnnl::memory::format_tag::nchw);
  return make(plain);
}

// With few input channels per group oneDNN's first choice for an f32 channels-last forward, the brgemm
// kernel, runs 1.2-2.8x slower than the direct jit one (LeNet's 1->6 and 6->16 layers and a 1->32 one,
// batch 1 to 256): step past it. Call while the operation descriptor behind `pd` is alive (oneDNN's
// iterator points into it).
void skip_brgemm_for_thin_inputs(dnnl::convolution_forward::primitive_desc& pd, const Descs& u) {
  const auto wd = u.weights.dims();
  const int64_t icg = wd.size() == 5 ? wd[2] : wd[1];
  if (icg >= 16 || u.src.data_type() != dnnl::memory::data_type::f32) return;
  while (std::strncmp(pd.impl_info_str(), "brg", 3) == 0 && pd.next_impl()) {
  }
}

// The descriptor an output of `dims` gets in our tensor: channels-last when the primitive writes
// channels-last (no reorder), else NCHW.
dnnl::memory::desc output_desc(const dnnl::memory::dims& dims, const dnnl::memory::desc& used) {
  const dnnl::memory::desc cl = du::activation(dims, true);
  return used == cl ? cl : du::plain(dims);
}

// Mixed precision: `d` with the inputs marked in `bf16` (src, weights, dst) in bf16; results stay f32.
Descs with_bf16_inputs(Descs d, std::array<bool, 3> bf16) {
  const auto type = dnnl::memory::data_type::bf16;
  if (bf16[0]) d.src = with_data_type(d.src, type);
  if (bf16[1]) d.weights = with_data_type(d.weights, type);
  if (bf16[2]) d.dst = with_data_type(d.dst, type);
  return d;
}

// The descriptors of the forward hint a backward primitive takes: all bf16 when the backward computes
// in bf16 (oneDNN has no forward kernel for mixed f32 and bf16 tensors), else `u` itself.
Descs hint_descs(const Descs& u) {
  const auto bf16 = dnnl::memory::data_type::bf16;
  const bool mixed = u.src.data_type() == bf16 || u.weights.data_type() == bf16 || u.dst.data_type() == bf16;
  return mixed ? with_bf16_inputs(u, {true, true, true}) : u;
}

// pick_layouts in the compute dtype: for kBFloat16, the inputs marked in `bf16` are bf16 where oneDNN
// has a native bf16 kernel for the problem; otherwise (and for other dtypes) everything stays f32.
template <typename Make>
auto pick_precision(const Descs& plain, Dtype compute, std::array<bool, 3> bf16, bool blocked, Make make) {
  if (compute == kBFloat16) {
    try {
      auto pd = pick_layouts(with_bf16_inputs(plain, bf16), blocked, make);
      if (native_bf16_impl(pd.impl_info_str())) return pd;
    } catch (const dnnl::error&) {
    }
  }
  return pick_layouts(plain, blocked, make);
}

// ---- Winograd -----------------------------------------------------------------------------------------

std::atomic<ConvAlgorithm>& algorithm_setting() {
  static std::atomic<ConvAlgorithm> setting = [] {
    const char* env = std::getenv("STRATA_CONV_ALGO");
    if (env && std::strcmp(env, "direct") == 0) return ConvAlgorithm::kDirect;
    if (env && std::strcmp(env, "winograd") == 0) return ConvAlgorithm::kWinograd;
    return ConvAlgorithm::kAuto;
  }();
  return setting;
}

// oneDNN's Winograd (F(4x4, 3x3), f32, blocked layouts) applies to ungrouped 3x3 stride-1 problems.
// It does fewer multiplies but more memory traffic (transforms, and reorders from and to channels-last),
// so whether it wins depends on the shape, the thread count and the CPU: on a Zen 4 core it ran a conv +
// BN CNN's 32->64 (28x28) and 64->128 (14x14) layers at batch 128 1.5-1.9x faster than the direct
// kernels, but it was slower on other shapes and thread counts. kAuto therefore times both (winograd_wins)
// for problems big enough that the saving outweighs the timing runs.
bool winograd_candidate(const Geometry& g, const Conv2dParams& p) {
  const ConvAlgorithm a = conv_algorithm();
  if (a == ConvAlgorithm::kDirect || p.compute != kFloat32 || p.groups != 1 || g.kh != 3 || g.kw != 3) {
    return false;
  }
  if (p.stride != std::array<int64_t, 2>{1, 1} || p.dilation != std::array<int64_t, 2>{1, 1}) return false;
  return a == ConvAlgorithm::kWinograd || macs(g, p) >= kWinogradMinMacs;
}

// Seconds of one run of `prim` on zero-filled buffers of its arguments (values do not change the time).
double seconds_per_run(const Prim& prim) {
  std::vector<std::unique_ptr<du::Buffer>> buffers;
  std::vector<const void*> data;
  for (const du::Arg& a : prim.args) {
    buffers.push_back(std::make_unique<du::Buffer>(a.user.get_size()));
    if (buffers.back()->get()) std::memset(buffers.back()->get(), 0, a.user.get_size());
    data.push_back(buffers.back()->get());
  }
  const auto start = std::chrono::steady_clock::now();
  du::execute(prim.prim, prim.args, data, prim.scratchpad);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The kAuto decisions by problem name (see conv_algorithm_choices).
struct Choices {
  std::mutex mutex;
  std::map<std::string, bool> winograd;
};
Choices& choices() {
  static Choices c;
  return c;
}

// The problem a cache key names, without its thread count (values[1]): "tag:v,v,...".
std::string choice_name(const du::Key& k) {
  std::string out = std::to_string(k.values[0]) + ":";
  for (size_t i = 2; i < k.values.size(); ++i) out += (i > 2 ? "," : "") + std::to_string(k.values[i]);
  return out;
}

// Whether `winograd` runs clearly faster than `direct`: a warm-up run of each, then the best of two
// interleaved runs each (a few forward passes of the layer, once per shape). Winograd must save 10%,
// so that noise on a busy machine does not trade the exact kernel for a tie.
bool winograd_wins(const Prim& direct, const Prim& winograd) {
  if (conv_algorithm() == ConvAlgorithm::kWinograd) return true;
  if (!direct.ok) return true;
  double best_direct = 1e30, best_winograd = 1e30;
  for (int round = 0; round < 3; ++round) {
    const double d = seconds_per_run(direct);
    const double w = seconds_per_run(winograd);
    if (round == 0) continue;
    best_direct = std::min(best_direct, d);
    best_winograd = std::min(best_winograd, w);
  }
  return best_winograd < 0.9 * best_direct;
}

// Replaces `out` (the direct primitive) by the Winograd one `make_winograd` builds when that exists and
// wins.
// Under kAuto the decision is recorded by problem name, and a recorded one (from a checkpoint) is taken
// without timing.
template <typename Make>
void consider_winograd(Prim& out, const du::Key& k, Make make_winograd) {
  Prim winograd;
  try {
    make_winograd(winograd);
    winograd.ok = true;
  } catch (const dnnl::error&) {
    return;
  }
  if (conv_algorithm() != ConvAlgorithm::kAuto) {
    if (winograd_wins(out, winograd)) out = std::move(winograd);
    return;
  }
  const std::string name = choice_name(k);
  Choices& c = choices();
  {
    std::lock_guard lock(c.mutex);
    if (auto it = c.winograd.find(name); it != c.winograd.end()) {
      if (it->second || !out.ok) out = std::move(winograd);
      return;
    }
  }
  const bool wins = winograd_wins(out, winograd);
  {
    std::lock_guard lock(c.mutex);
    c.winograd[name] = wins;
  }
  if (wins) out = std::move(winograd);
}

// ---- primitives ---------------------------------------------------------------------------------------

// Arguments: SRC, WEIGHTS, DST, then BIAS when present.
std::shared_ptr<const Prim> forward_prim(const Geometry& g, const Conv2dParams& p, bool bias, bool x_cl) {
  const du::Key k = key(kForward, g, p, bias, x_cl);
  return cached(k, [&](Prim& out) {
    const Descs d = describe(g, p, bias, x_cl);
    const auto fill = [&](Prim& prim, const dnnl::convolution_forward::primitive_desc& pd,
                          const dnnl::memory::desc& dst) {
      prim.channels_last_out = dst != d.dst;
      prim.args = {du::make_arg(DNNL_ARG_SRC, false, d.src, pd.src_desc()),
                   du::make_arg(DNNL_ARG_WEIGHTS, false, d.weights, pd.weights_desc()),
                   du::make_arg(DNNL_ARG_DST, true, dst, pd.dst_desc())};
      if (bias) prim.args.push_back(du::make_arg(DNNL_ARG_BIAS, false, d.bias, pd.bias_desc()));
      prim.scratchpad = pd.scratchpad_desc();
      prim.prim = dnnl::convolution_forward(pd);
    };
    try {
      const bool blocked = depthwise(g, p) || blocked_pays(g.ic / p.groups) || blocked_pays(g.oc / p.groups);
      const auto pd = pick_precision(d, p.compute, {true, true, false}, blocked, [&](const Descs& u) {
        const auto desc = forward_desc(u, bias);
        dnnl::convolution_forward::primitive_desc pd(desc, du::user_scratchpad(), du::engine());
        skip_brgemm_for_thin_inputs(pd, u);
        return pd;
      });
      fill(out, pd, output_desc(d.dst.dims(), pd.dst_desc()));
      out.ok = true;
    } catch (const dnnl::error&) {
      out.ok = false;
    }
    if (!winograd_candidate(g, p)) return;
    consider_winograd(out, k, [&](Prim& w) {
      Descs any = any_layouts(d);
      const dnnl::convolution_forward::primitive_desc pd(
          forward_desc(any, bias, dnnl::algorithm::convolution_winograd), du::user_scratchpad(),
          du::engine());
      // The output goes back to the input's layout, so the next layer sees channels-last as before.
      fill(w, pd, du::activation(d.dst.dims(), x_cl));
    });
  });
}

// Arguments: DIFF_DST, WEIGHTS, DIFF_SRC.
std::shared_ptr<const Prim> backward_data_prim(const Geometry& g, const Conv2dParams& p, bool gy_cl) {
  const du::Key k = key(kBackwardData, g, p, false, gy_cl);
  return cached(k, [&](Prim& out) {
    const Descs d = describe(g, p, false, false, gy_cl);
    const auto fill = [&](Prim& prim, const dnnl::convolution_backward_data::primitive_desc& pd,
                          const dnnl::memory::desc& diff_src) {
      prim.channels_last_out = diff_src != d.src;
      prim.args = {du::make_arg(DNNL_ARG_DIFF_DST, false, d.dst, pd.diff_dst_desc()),
                   du::make_arg(DNNL_ARG_WEIGHTS, false, d.weights, pd.weights_desc()),
                   du::make_arg(DNNL_ARG_DIFF_SRC, true, diff_src, pd.diff_src_desc())};
      prim.scratchpad = pd.scratchpad_desc();
      prim.prim = dnnl::convolution_backward_data(pd);
    };
    try {
      // Measured: with 1-3 input channels the blocked kernel writing NCHW gradients is several times slower.
      const bool blocked = depthwise(g, p) || blocked_pays(g.ic / p.groups);
      const auto pd = pick_precision(d, p.compute, {false, true, true}, blocked, [&](const Descs& u) {
        dnnl::convolution_forward::primitive_desc hint(forward_desc(hint_descs(u), false), du::engine());
        dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, u.src, u.weights,
                                                   u.dst, u.strides, u.dilates, u.pad_l, u.pad_r);
        return dnnl::convolution_backward_data::primitive_desc(desc, du::user_scratchpad(), du::engine(),
                                                               hint);
      });
      fill(out, pd, output_desc(d.src.dims(), pd.diff_src_desc()));
      out.ok = true;
    } catch (const dnnl::error&) {
      out.ok = false;
    }
    if (!winograd_candidate(g, p)) return;
    consider_winograd(out, k, [&](Prim& w) {
      Descs any = any_layouts(d);
      const auto algo = dnnl::algorithm::convolution_winograd;
      const dnnl::convolution_forward::primitive_desc hint(forward_desc(any, false, algo), du::engine());
      const dnnl::convolution_backward_data::desc desc(algo, any.src, any.weights, any.dst, any.strides,
                                                       any.dilates, any.pad_l, any.pad_r);
      fill(w, {desc, du::user_scratchpad(), du::engine(), hint}, du::activation(d.src.dims(), gy_cl));
    });
  });
}

// Arguments: DIFF_DST, SRC, DIFF_WEIGHTS, then DIFF_BIAS when present.
std::shared_ptr<const Prim> backward_weights_prim(const Geometry& g, const Conv2dParams& p, bool bias,
                                                  bool gy_cl, bool x_cl) {
  const du::Key k = key(kBackwardWeights, g, p, bias, gy_cl + 2 * x_cl);
  return cached(k, [&](Prim& out) {
    const Descs d = describe(g, p, bias, x_cl, gy_cl);
    const auto make = [&](const Descs& u, dnnl::algorithm algo) {
      dnnl::convolution_forward::primitive_desc hint(forward_desc(hint_descs(u), bias, algo), du::engine());
      auto desc = bias ? dnnl::convolution_backward_weights::desc(algo, u.src, u.weights, u.bias, u.dst,
                                                                  u.strides, u.dilates, u.pad_l, u.pad_r)
                       : dnnl::convolution_backward_weights::desc(algo, u.src, u.weights, u.dst, u.strides,
                                                                  u.dilates, u.pad_l, u.pad_r);
      return dnnl::convolution_backward_weights::primitive_desc(desc, du::user_scratchpad(), du::engine(),
                                                                hint);
    };
    const auto fill = [&](Prim& prim, const dnnl::convolution_backward_weights::primitive_desc& pd) {
      prim.args = {du::make_arg(DNNL_ARG_DIFF_DST, false, d.dst, pd.diff_dst_desc()),
                   du::make_arg(DNNL_ARG_SRC, false, d.src, pd.src_desc()),
                   du::make_arg(DNNL_ARG_DIFF_WEIGHTS, true, d.weights, pd.diff_weights_desc())};
      if (bias) prim.args.push_back(du::make_arg(DNNL_ARG_DIFF_BIAS, true, d.bias, pd.diff_bias_desc()));
      prim.scratchpad = pd.scratchpad_desc();
      prim.prim = dnnl::convolution_backward_weights(pd);
    };
    try {
      const bool blocked = depthwise(g, p) || blocked_pays(g.ic / p.groups) || blocked_pays(g.oc / p.groups);
      fill(out, pick_precision(d, p.compute, {true, false, true}, blocked,
                               [&](const Descs& u) { return make(u, dnnl::algorithm::convolution_direct); }));
      out.ok = true;
    } catch (const dnnl::error&) {
      out.ok = false;
    }
    if (!winograd_candidate(g, p)) return;
    consider_winograd(out, k, [&](Prim& w) {
      Descs any = any_layouts(d);
      if (bias) any.bias = du::any_layout(d.bias);
      fill(w, make(any, dnnl::algorithm::convolution_winograd));
    });
  });
}

// x narrowed to the cropped spatial size, channels-last or contiguous.
Tensor crop_input(const Tensor& x, const Geometry& g) {
  if (x.size(2) == g.ih && x.size(3) == g.iw) return du::dense_activation(x);
  return du::dense(x.slice(2, 0, g.ih).slice(3, 0, g.iw));
}

// An uninitialised activation of `shape`, channels-last or contiguous.
Tensor empty_activation(const Shape& shape, bool channels_last, const Tensor& like) {
  return channels_last ? empty_channels_last(shape, like.dtype(), like.device())
                       : kernels::empty(shape, like.dtype(), like.device());
}

void check_operands(const char* op, const Tensor& a, const Tensor& b, const Tensor& bias) {
  STRATA_CHECK(a.dtype() == b.dtype() && (!bias.defined() || bias.dtype() == a.dtype()),
               "{}: operands have different dtypes ({} and {})", op, dtype_name(a.dtype()),
               dtype_name(b.dtype()));
  STRATA_CHECK(a.dim() == 4 && b.dim() == 4, "{}: expected 4-D operands, got {} and {}", op, a.shape().str(),
               b.shape().str());
}

}  // namespace

ConvAlgorithm conv_algorithm() { return algorithm_setting().load(std::memory_order_relaxed); }

void set_conv_algorithm(ConvAlgorithm algorithm) {
  algorithm_setting().store(algorithm, std::memory_order_relaxed);
}

std::map<std::string, bool> conv_algorithm_choices() {
  Choices& c = choices();
  std::lock_guard lock(c.mutex);
  return c.winograd;
}

void set_conv_algorithm_choices(const std::map<std::string, bool>& given) {
  Choices& c = choices();
  std::lock_guard lock(c.mutex);
  for (const auto& [name, winograd] : given) c.winograd[name] = winograd;
}

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Conv2dParams& p) {
  check_operands("conv2d", x_in, w_in, b_in);
  const Geometry g = geometry(x_in.shape(), w_in.shape(), p);
  const Shape out_shape{g.n, g.oc, g.oh, g.ow};
  if (out_shape.numel() == 0) return kernels::empty(out_shape, x_in.dtype(), x_in.device());
  const Tensor w = du::dense(w_in);
  const Tensor b = b_in.defined() ? du::dense(b_in) : Tensor();
  if (x_in.dtype() == kFloat32) {
    const du::SerialScope serial(macs(g, p) < du::kSerialMacs);
    const Cropped c = crop_for_dnnl(g, p);
    const Tensor x = crop_input(x_in, c.g);
    const auto prim = forward_prim(c.g, c.p, b.defined(), is_channels_last(x));
    if (prim->ok) {
      Tensor out = empty_activation(out_shape, prim->channels_last_out, x);
      std::vector<const void*> data{x.raw_data(), w.raw_data(), out.raw_data()};
      if (b.defined()) data.push_back(b.raw_data());
      du::execute(prim->prim, prim->args, data, prim->scratchpad);
      return out;
    }
  }
  const Tensor x = du::dense(x_in);
  Tensor out = kernels::empty(out_shape, x.dtype(), x.device());
  dispatch_floating(x.dtype(), "conv2d", [&]<typename T>() {
    forward_loops<T>(x.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr,
                     out.data_ptr<T>(), g, p);
  });
  return out;
}

Tensor conv2d_backward_data(const Tensor& gy_in, const Tensor& w_in, const Shape& input_shape,
                            const Conv2dParams& p) {
  check_operands("conv2d_backward_data", gy_in, w_in, Tensor());
  const Geometry g = geometry(input_shape, w_in.shape(), p);
  STRATA_CHECK(gy_in.shape() == Shape({g.n, g.oc, g.oh, g.ow}),
               "conv2d_backward_data: gradient of shape {} for an output of shape [{}, {}, {}, {}]",
               gy_in.shape().str(), g.n, g.oc, g.oh, g.ow);
  const Tensor gy = du::dense_activation(gy_in);
  const Tensor w = du::dense(w_in);
  if (gy.dtype() == kFloat32 && gy.numel() > 0) {
    const du::SerialScope serial(macs(g, p) < du::kSerialMacs);
    const Cropped c = crop_for_dnnl(g, p);
    const auto prim = backward_data_prim(c.g, c.p, is_channels_last(gy));
    if (prim->ok) {
      Tensor gx = empty_activation({c.g.n, c.g.ic, c.g.ih, c.g.iw}, prim->channels_last_out, gy);
      du::execute(prim->prim, prim->args, {gy.raw_data(), w.raw_data(), gx.raw_data()}, prim->scratchpad);
      if (!c.cropped) return gx;
      // Rows and columns the kernel never reached get no gradient.
      Tensor full = kernels::empty(input_shape, gy.dtype(), gy.device());
      kernels::fill(full, 0.0);
      kernels::copy(full.slice(2, 0, c.g.ih).slice(3, 0, c.g.iw), gx);
      return full;
    }
  }
  Tensor gx = kernels::empty(input_shape, gy.dtype(), gy.device());
  if (gx.numel() == 0) return gx;
  const Tensor gyd = du::dense(gy);
  dispatch_floating(gy.dtype(), "conv2d_backward_data", [&]<typename T>() {
    backward_data_loops<T>(gyd.data_ptr<T>(), w.data_ptr<T>(), gx.data_ptr<T>(), g, p);
  });
  return gx;
}

Tensor conv2d_backward_weights(const Tensor& gy_in, const Tensor& x_in, const Shape& weight_shape,
                               const Conv2dParams& p, Tensor* grad_bias) {
  check_operands("conv2d_backward_weights", gy_in, x_in, Tensor());
  const Geometry g = geometry(x_in.shape(), weight_shape, p);
  STRATA_CHECK(gy_in.shape() == Shape({g.n, g.oc, g.oh, g.ow}),
               "conv2d_backward_weights: gradient of shape {} for an output of shape [{}, {}, {}, {}]",
               gy_in.shape().str(), g.n, g.oc, g.oh, g.ow);
  const Tensor gy = du::dense_activation(gy_in);
  Tensor gw = kernels::empty(weight_shape, gy.dtype(), gy.device());
  Tensor gb = grad_bias ? kernels::empty({g.oc}, gy.dtype(), gy.device()) : Tensor();
  if (grad_bias) *grad_bias = gb;
  if (gy.numel() == 0) {
    kernels::fill(gw, 0.0);
    if (gb.defined()) kernels::fill(gb, 0.0);
    return gw;
  }
  if (gy.dtype() == kFloat32) {
    const du::SerialScope serial(macs(g, p) < kSerialWeightGradMacs);
    const Cropped c = crop_for_dnnl(g, p);
    const Tensor x = crop_input(x_in, c.g);
    const auto prim =
        backward_weights_prim(c.g, c.p, gb.defined(), is_channels_last(gy), is_channels_last(x));
    if (prim->ok) {
      std::vector<const void*> data{gy.raw_data(), x.raw_data(), gw.raw_data()};
      if (gb.defined()) data.push_back(gb.raw_data());
      du::execute(prim->prim, prim->args, data, prim->scratchpad);
      return gw;
    }
  }
  const Tensor x = du::dense(x_in);
  const Tensor gyd = du::dense(gy);
  dispatch_floating(gy.dtype(), "conv2d_backward_weights", [&]<typename T>() {
    backward_weights_loops<T>(gyd.data_ptr<T>(), x.data_ptr<T>(), gw.data_ptr<T>(),
                              gb.defined() ? gb.data_ptr<T>() : nullptr, g, p);
  });
  return gw;
}

namespace {

// `prim`'s arguments with the first one (DIFF_DST) handed over already in the layout the primitive uses.
std::vector<du::Arg> with_converted_first(const Prim& prim) {
  std::vector<du::Arg> args = prim.args;
  args[0].user = args[0].used;
  args[0].convert.reset();
  return args;
}

}  // namespace

Tensor conv2d_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& w_in, const Conv2dParams& p,
                       Tensor* grad_weight, Tensor* grad_bias) {
  check_operands("conv2d_backward", gy_in, x_in, Tensor());
  const Geometry g = geometry(x_in.shape(), w_in.shape(), p);
  const Cropped c = crop_for_dnnl(g, p);
  const auto separately = [&] {
    *grad_weight = cpu::conv2d_backward_weights(gy_in, x_in, w_in.shape(), p, grad_bias);
    return cpu::conv2d_backward_data(gy_in, w_in, x_in.shape(), p);
  };
  if (gy_in.dtype() != kFloat32 || w_in.dtype() != kFloat32 || c.cropped || gy_in.numel() == 0 ||
      gy_in.shape() != Shape({g.n, g.oc, g.oh, g.ow})) {
    return separately();  // the separate kernels check shapes and handle the rest
  }
  const Tensor gy = du::dense_activation(gy_in);
  const Tensor x = crop_input(x_in, g);
  const Tensor w = du::dense(w_in);
  const bool gy_cl = is_channels_last(gy);
  const bool serial_data = macs(g, p) < du::kSerialMacs;
  const bool serial_weights = macs(g, p) < kSerialWeightGradMacs;
  std::shared_ptr<const Prim> data, weights;
  {
    const du::SerialScope serial(serial_data);
    data = backward_data_prim(g, p, gy_cl);
  }
  {
    const du::SerialScope serial(serial_weights);
    weights = backward_weights_prim(g, p, grad_bias != nullptr, gy_cl, is_channels_last(x));
  }
  const du::Arg& a = data->args[0];
  const du::Arg& b = weights->args[0];
  if (!data->ok || !weights->ok || !a.convert || !b.convert || a.used != b.used) return separately();
  // Both read the output gradient in the same converted layout: convert it once.
  du::Buffer converted(a.used.get_size());
  {
    const du::SerialScope serial(serial_data);
    dnnl::memory user = du::wrap(a.user, gy.raw_data());
    dnnl::memory used(a.used, du::engine(), converted.get());
    a.convert->execute(du::stream(), user, used);
    du::stream().wait();
  }
  Tensor gx = empty_activation({g.n, g.ic, g.ih, g.iw}, data->channels_last_out, gy);
  {
    const du::SerialScope serial(serial_data);
    du::execute(data->prim, with_converted_first(*data), {converted.get(), w.raw_data(), gx.raw_data()},
                data->scratchpad);
  }
  *grad_weight = kernels::empty(w_in.shape(), gy.dtype(), gy.device());
  std::vector<const void*> args{converted.get(), x.raw_data(), grad_weight->raw_data()};
  if (grad_bias) {
    *grad_bias = kernels::empty({g.oc}, gy.dtype(), gy.device());
    args.push_back(grad_bias->raw_data());
  }
  {
    const du::SerialScope serial(serial_weights);
    du::execute(weights->prim, with_converted_first(*weights), args, weights->scratchpad);
  }
  return gx;
}

}  // namespace strata::kernels::cpu
