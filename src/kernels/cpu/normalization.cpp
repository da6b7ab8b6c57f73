// CPU normalisation. f32 batch and layer normalisation run on oneDNN's primitives (forward and
// backward, statistics included): batch norm over channels-last 4-D activations or plain [N, C, S],
// layer norm over plain [M, D]. f64 (gradient checks, reference) runs on loops that accumulate in double.
#include "kernels/cpu/normalization.h"

#include <omp.h>

#include <bit>
#include <cmath>

#include "kernels/cpu/conv_dnnl.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

namespace du = dnnl_util;

constexpr int64_t kLoopGrain = 1 << 15;

Tensor new_like(const Shape& shape, const Tensor& like) {
  return kernels::empty(shape, like.dtype(), like.device());
}

template <typename T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

template <typename T>
T* mut_ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// ---- loops: batch norm over [n, c, s] -----------------------------------------------------------------

template <typename T>
void bn_forward_loops(const T* x, const T* w, const T* b, T* mean, T* var, T* y, int64_t n, int64_t c,
                      int64_t s, bool global, double eps) {
  const double count = static_cast<double>(n * s);
#pragma omp parallel for if (n * c * s > kLoopGrain)
  for (int64_t ch = 0; ch < c; ++ch) {
    double m = 0.0;
    double v = 0.0;
    if (global) {
      m = mean[ch];
      v = var[ch];
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const T* xp = x + (i * c + ch) * s;
        for (int64_t k = 0; k < s; ++k) m += xp[k];
      }
      m /= count;
      for (int64_t i = 0; i < n; ++i) {
        const T* xp = x + (i * c + ch) * s;
        for (int64_t k = 0; k < s; ++k) v += (xp[k] - m) * (xp[k] - m);
      }
      v /= count;
      mean[ch] = static_cast<T>(m);
      var[ch] = static_cast<T>(v);
    }
    const double inv = 1.0 / std::sqrt(v + eps);
    const double wv = w ? static_cast<double>(w[ch]) : 1.0;
    const double bv = b ? static_cast<double>(b[ch]) : 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const T* xp = x + (i * c + ch) * s;
      T* yp = y + (i * c + ch) * s;
      for (int64_t k = 0; k < s; ++k) yp[k] = static_cast<T>((xp[k] - m) * inv * wv + bv);
    }
  }
}

template <typename T>
void bn_backward_loops(const T* gy, const T* x, const T* w, const T* mean, const T* var, T* gx, T* gw, T* gb,
                       int64_t n, int64_t c, int64_t s, bool global, double eps) {
  const double count = static_cast<double>(n * s);
#pragma omp parallel for if (n * c * s > kLoopGrain)
  for (int64_t ch = 0; ch < c; ++ch) {
    const double m = mean[ch];
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[ch]) + eps);
    double sum_g = 0.0;
    double sum_gx = 0.0;  // sum of g * (x - mean)
    for (int64_t i = 0; i < n; ++i) {
      const T* gp = gy + (i * c + ch) * s;
      const T* xp = x + (i * c + ch) * s;
      for (int64_t k = 0; k < s; ++k) {
        sum_g += gp[k];
        sum_gx += gp[k] * (xp[k] - m);
      }
    }
    if (gw) gw[ch] = static_cast<T>(sum_gx * inv);
    if (gb) gb[ch] = static_cast<T>(sum_g);
    const double scale = (w ? static_cast<double>(w[ch]) : 1.0) * inv;
    const double mean_g = sum_g / count;
    const double proj = sum_gx * inv * inv / count;  // mean of g * xhat, over inv
    for (int64_t i = 0; i < n; ++i) {
      const T* gp = gy + (i * c + ch) * s;
      const T* xp = x + (i * c + ch) * s;
      T* op = gx + (i * c + ch) * s;
      for (int64_t k = 0; k < s; ++k) {
        op[k] = global ? static_cast<T>(gp[k] * scale)
                       : static_cast<T>(scale * (gp[k] - mean_g - (xp[k] - m) * proj));
      }
    }
  }
}

// ---- loops: layer norm over [rows, d] -----------------------------------------------------------------

template <typename T>
void ln_forward_loops(const T* x, const T* w, const T* b, T* mean, T* var, T* y, int64_t rows, int64_t d,
                      double eps) {
#pragma omp parallel for if (rows * d > kLoopGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xp = x + r * d;
    double m = 0.0;
    for (int64_t k = 0; k < d; ++k) m += xp[k];
    m /= static_cast<double>(d);
    double v = 0.0;
    for (int64_t k = 0; k < d; ++k) v += (xp[k] - m) * (xp[k] - m);
    v /= static_cast<double>(d);
    mean[r] = static_cast<T>(m);
    var[r] = static_cast<T>(v);
    const double inv = 1.0 / std::sqrt(v + eps);
    T* yp = y + r * d;
    for (int64_t k = 0; k < d; ++k) {
      yp[k] = static_cast<T>((xp[k] - m) * inv * (w ? static_cast<double>(w[k]) : 1.0) +
                             (b ? static_cast<double>(b[k]) : 0.0));
    }
  }
}

template <typename T>
void ln_backward_loops(const T* gy, const T* x, const T* w, const T* mean, const T* var, T* gx, T* gw, T* gb,
                       int64_t rows, int64_t d, double eps) {
  const bool par = rows * d > kLoopGrain;
#pragma omp parallel for if (par)
  for (int64_t r = 0; r < rows; ++r) {
    const T* gp = gy + r * d;
    const T* xp = x + r * d;
    const double m = mean[r];
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[r]) + eps);
    double sum_g = 0.0;
    double sum_gxhat = 0.0;
    for (int64_t k = 0; k < d; ++k) {
      const double g = gp[k] * (w ? static_cast<double>(w[k]) : 1.0);
      sum_g += g;
      sum_gxhat += g * (xp[k] - m) * inv;
    }
    const double mean_g = sum_g / static_cast<double>(d);
    const double mean_gxhat = sum_gxhat / static_cast<double>(d);
    T* op = gx + r * d;
    for (int64_t k = 0; k < d; ++k) {
      const double g = gp[k] * (w ? static_cast<double>(w[k]) : 1.0);
      op[k] = static_cast<T>(inv * (g - mean_g - (xp[k] - m) * inv * mean_gxhat));
    }
  }
  if (!gw && !gb) return;
#pragma omp parallel for if (par)
  for (int64_t k = 0; k < d; ++k) {
    double sw = 0.0;
    double sb = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      const double g = gy[r * d + k];
      const double inv = 1.0 / std::sqrt(static_cast<double>(var[r]) + eps);
      sw += g * (x[r * d + k] - mean[r]) * inv;
      sb += g;
    }
    if (gw) gw[k] = static_cast<T>(sw);
    if (gb) gb[k] = static_cast<T>(sb);
  }
}

// ---- oneDNN (f32) -------------------------------------------------------------------------------------

struct NormPrim {
  bool ok = false;
  dnnl::primitive prim;
  dnnl::memory::desc data, stat, scale, scratchpad;
  dnnl::memory::desc workspace;  // the ReLU mask of a fused batch norm + ReLU
};

template <typename Create>
std::shared_ptr<const NormPrim> cached(const du::Key& k, Create create) {
  static du::Cache<NormPrim> cache;
  return cache.get(k, [&] {
    auto out = std::make_shared<NormPrim>();
    try {
      create(*out);
      out->ok = true;
    } catch (const dnnl::error&) {
      out->ok = false;
    }
    return out;
  });
}

dnnl::normalization_flags flags_for(bool global, bool scale, bool shift) {
  auto f = dnnl::normalization_flags::none;
  if (global) f |= dnnl::normalization_flags::use_global_stats;
  if (scale) f |= dnnl::normalization_flags::use_scale;
  if (shift) f |= dnnl::normalization_flags::use_shift;
  return f;
}

enum Tag : int64_t { kBnForward = 1, kBnBackward, kLnForward, kLnBackward };

int64_t bits(double eps) { return std::bit_cast<int64_t>(eps); }

// `channels_last`: x is [n, c, s] with c innermost (a channels-last [N, C, H, W] with s = H * W).
// `relu`: batch norm + ReLU in one primitive (training only), with a workspace mask for the backward.
std::shared_ptr<const NormPrim> bn_prim(bool backward, int64_t n, int64_t c, int64_t s, bool global,
                                        bool scale, bool shift, double eps, bool channels_last, bool relu) {
  const du::Key k = du::make_key(backward ? kBnBackward : kBnForward,
                                 {n, c, s, global, scale, shift, bits(eps), channels_last, relu});
  return cached(k, [&](NormPrim& out) {
    out.data = du::activation({n, c, s, 1}, channels_last);
    out.stat = du::plain({c});
    out.scale = du::plain({c});
    auto flags = flags_for(global, scale, shift);
    if (relu) flags |= dnnl::normalization_flags::fuse_norm_relu;
    const float e = static_cast<float>(eps);
    dnnl::batch_normalization_forward::desc fwd(
        global ? dnnl::prop_kind::forward_inference : dnnl::prop_kind::forward_training, out.data, e, flags);
    if (!backward) {
      dnnl::batch_normalization_forward::primitive_desc pd(fwd, du::user_scratchpad(), du::engine());
      out.scratchpad = pd.scratchpad_desc();
      out.workspace = pd.workspace_desc();
      out.prim = dnnl::batch_normalization_forward(pd);
      return;
    }
    dnnl::batch_normalization_forward::primitive_desc hint(
        dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_training, out.data, e, flags),
        du::engine());
    const auto prop = scale || shift ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
    dnnl::batch_normalization_backward::primitive_desc pd(
        dnnl::batch_normalization_backward::desc(prop, out.data, out.data, e, flags), du::user_scratchpad(),
        du::engine(), hint);
    out.scratchpad = pd.scratchpad_desc();
    out.workspace = pd.workspace_desc();
    out.prim = dnnl::batch_normalization_backward(pd);
  });
}

std::shared_ptr<const NormPrim> ln_prim(bool backward, int64_t rows, int64_t d, bool scale, bool shift,
                                        double eps) {
  const du::Key k = du::make_key(backward ? kLnBackward : kLnForward, {rows, d, scale, shift, bits(eps)});
  return cached(k, [&](NormPrim& out) {
    out.data = du::plain({rows, d});
    out.stat = du::plain({rows});
    out.scale = du::plain({d});
    const auto flags = flags_for(false, scale, shift);
    const float e = static_cast<float>(eps);
    dnnl::layer_normalization_forward::primitive_desc hint(
        dnnl::layer_normalization_forward::desc(dnnl::prop_kind::forward_training, out.data, out.stat, e,
                                                flags),
        du::user_scratchpad(), du::engine());
    if (!backward) {
      out.scratchpad = hint.scratchpad_desc();
      out.prim = dnnl::layer_normalization_forward(hint);
      return;
    }
    const auto prop = scale || shift ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
    dnnl::layer_normalization_backward::primitive_desc pd(
        dnnl::layer_normalization_backward::desc(prop, out.data, out.data, out.stat, e, flags),
        du::user_scratchpad(), du::engine(), hint);
    out.scratchpad = pd.scratchpad_desc();
    out.prim = dnnl::layer_normalization_backward(pd);
  });
}

Tensor dense_or_undefined(const Tensor& t) { return t.defined() ? du::dense(t) : Tensor(); }

// f32 batch norm over 4-D activations runs channels-last: oneDNN has a jit kernel for it, and only a
// generic one for NCHW (5-7x slower on a 128x32x28x28 batch, forward and backward), so an NCHW input
// is converted first.
bool bn_channels_last(const Tensor& x) { return x.dtype() == kFloat32 && x.dim() == 4; }

Tensor bn_operand(const Tensor& t, bool channels_last) {
  return channels_last ? to_channels_last(t) : du::dense(t);
}

Tensor bn_empty(const Tensor& like, bool channels_last) {
  return channels_last ? empty_channels_last(like.shape(), like.dtype(), like.device())
                       : new_like(like.shape(), like);
}

struct BnShape {
  int64_t n, c, s;
};

BnShape bn_shape(const Tensor& x) {
  const int64_t n = x.size(0);
  const int64_t c = x.size(1);
  return {n, c, n * c == 0 ? 0 : x.numel() / (n * c)};
}

}  // namespace

NormResult batch_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Tensor& mean_in,
                      const Tensor& var_in, bool global, double eps, bool fuse_relu) {
  const bool cl = bn_channels_last(x_in);
  const Tensor x = bn_operand(x_in, cl);
  const Tensor w = dense_or_undefined(w_in);
  const Tensor b = dense_or_undefined(b_in);
  const BnShape sh = bn_shape(x);
  NormResult r;
  r.out = bn_empty(x, cl);
  r.mean = global ? du::dense(mean_in) : new_like({sh.c}, x);
  r.var = global ? du::dense(var_in) : new_like({sh.c}, x);
  if (x.numel() == 0) return r;
  if (x.dtype() == kFloat32) {
    const du::SerialScope serial(x.numel() < kElementwiseGrain);
    const bool relu = fuse_relu && cl && !global;
    const auto prim = bn_prim(false, sh.n, sh.c, sh.s, global, w.defined(), b.defined(), eps, cl, relu);
    if (prim->ok) {
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, du::wrap(prim->data, x.raw_data())},
                                                 {DNNL_ARG_DST, du::wrap(prim->data, r.out.raw_data())},
                                                 {DNNL_ARG_MEAN, du::wrap(prim->stat, r.mean.raw_data())},
                                                 {DNNL_ARG_VARIANCE, du::wrap(prim->stat, r.var.raw_data())}};
      if (w.defined()) args.emplace(DNNL_ARG_SCALE, du::wrap(prim->scale, w.raw_data()));
      if (b.defined()) args.emplace(DNNL_ARG_SHIFT, du::wrap(prim->scale, b.raw_data()));
      if (relu) {
        r.relu_mask = kernels::empty({static_cast<int64_t>(prim->workspace.get_size())}, kUInt8, x.device());
        args.emplace(DNNL_ARG_WORKSPACE, du::wrap(prim->workspace, r.relu_mask.raw_data()));
      }
      du::execute(prim->prim, args, prim->scratchpad);
      return r;
    }
  }
  // The loops read and write NCHW.
  const Tensor xd = du::dense(x);
  if (cl) r.out = new_like(x.shape(), x);
  dispatch_floating(x.dtype(), "batch_norm", [&]<typename T>() {
    bn_forward_loops<T>(xd.data_ptr<T>(), ptr_or_null<T>(w), ptr_or_null<T>(b), r.mean.data_ptr<T>(),
                        r.var.data_ptr<T>(), r.out.data_ptr<T>(), sh.n, sh.c, sh.s, global, eps);
  });
  return r;
}

NormGrads batch_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& w_in,
                              const Tensor& mean_in, const Tensor& var_in, bool global, double eps,
                              bool need_weight, bool need_bias, const Tensor& relu_mask) {
  need_weight = need_weight && w_in.defined();
  const bool cl = bn_channels_last(x_in);
  const Tensor gy = bn_operand(gy_in, cl);
  const Tensor x = bn_operand(x_in, cl);
  const Tensor w = dense_or_undefined(w_in);
  const Tensor mean = du::dense(mean_in);
  const Tensor var = du::dense(var_in);
  const BnShape sh = bn_shape(x);
  NormGrads r;
  r.input = bn_empty(x, cl);
  if (need_weight) r.weight = new_like({sh.c}, x);
  if (need_bias) r.bias = new_like({sh.c}, x);
  if (x.numel() == 0) {
    if (need_weight) kernels::fill(r.weight, 0.0);
    if (need_bias) kernels::fill(r.bias, 0.0);
    return r;
  }
  if (x.dtype() == kFloat32) {
    const bool scale = w.defined();
    const bool shift = need_bias;
    const du::SerialScope serial(x.numel() < kElementwiseGrain);
    const bool relu = relu_mask.defined();
    const auto prim = bn_prim(true, sh.n, sh.c, sh.s, global, scale, shift, eps, cl, relu);
    STRATA_CHECK(prim->ok || !relu,
                 "batch_norm_backward: no fused batch norm + ReLU kernel for input of shape {}",
                 x.shape().str());
    if (prim->ok) {
      const Tensor gw = need_weight ? r.weight : new_like({sh.c}, x);
      const Tensor gb = need_bias ? r.bias : new_like({sh.c}, x);
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC, du::wrap(prim->data, x.raw_data())},
          {DNNL_ARG_DIFF_DST, du::wrap(prim->data, gy.raw_data())},
          {DNNL_ARG_DIFF_SRC, du::wrap(prim->data, r.input.raw_data())},
          {DNNL_ARG_MEAN, du::wrap(prim->stat, mean.raw_data())},
          {DNNL_ARG_VARIANCE, du::wrap(prim->stat, var.raw_data())}};
      if (scale) {
        args.emplace(DNNL_ARG_SCALE, du::wrap(prim->scale, w.raw_data()));
        args.emplace(DNNL_ARG_DIFF_SCALE, du::wrap(prim->scale, gw.raw_data()));
      }
      // oneDNN asks for the shift itself too, though the backward never reads it.
      const Tensor shift_in = shift ? new_like({sh.c}, x) : Tensor();
      if (shift) {
        args.emplace(DNNL_ARG_SHIFT, du::wrap(prim->scale, shift_in.raw_data()));
        args.emplace(DNNL_ARG_DIFF_SHIFT, du::wrap(prim->scale, gb.raw_data()));
      }
      if (relu) args.emplace(DNNL_ARG_WORKSPACE, du::wrap(prim->workspace, relu_mask.raw_data()));
      du::execute(prim->prim, args, prim->scratchpad);
      return r;
    }
  }
  // The loops read and write NCHW.
  const Tensor gyd = du::dense(gy);
  const Tensor xd = du::dense(x);
  if (cl) r.input = new_like(x.shape(), x);
  dispatch_floating(x.dtype(), "batch_norm_backward", [&]<typename T>() {
    bn_backward_loops<T>(gyd.data_ptr<T>(), xd.data_ptr<T>(), ptr_or_null<T>(w), mean.data_ptr<T>(),
                         var.data_ptr<T>(), r.input.data_ptr<T>(), mut_ptr_or_null<T>(r.weight),
                         mut_ptr_or_null<T>(r.bias), sh.n, sh.c, sh.s, global, eps);
  });
  return r;
}

NormResult layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, int64_t d, double eps) {
  const Tensor x = du::dense(x_in);
  const Tensor w = dense_or_undefined(w_in);
  const Tensor b = dense_or_undefined(b_in);
  const int64_t rows = d == 0 ? 0 : x.numel() / d;
  NormResult r;
  r.out = new_like(x.shape(), x);
  r.mean = new_like({rows}, x);
  r.var = new_like({rows}, x);
  if (x.numel() == 0) return r;
  if (x.dtype() == kFloat32) {
    const auto prim = ln_prim(false, rows, d, w.defined(), b.defined(), eps);
    if (prim->ok) {
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, du::wrap(prim->data, x.raw_data())},
                                                 {DNNL_ARG_DST, du::wrap(prim->data, r.out.raw_data())},
                                                 {DNNL_ARG_MEAN, du::wrap(prim->stat, r.mean.raw_data())},
                                                 {DNNL_ARG_VARIANCE, du::wrap(prim->stat, r.var.raw_data())}};
      if (w.defined()) args.emplace(DNNL_ARG_SCALE, du::wrap(prim->scale, w.raw_data()));
      if (b.defined()) args.emplace(DNNL_ARG_SHIFT, du::wrap(prim->scale, b.raw_data()));
      du::execute(prim->prim, args, prim->scratchpad);
      return r;
    }
  }
  dispatch_floating(x.dtype(), "layer_norm", [&]<typename T>() {
    ln_forward_loops<T>(x.data_ptr<T>(), ptr_or_null<T>(w), ptr_or_null<T>(b), r.mean.data_ptr<T>(),
                        r.var.data_ptr<T>(), r.out.data_ptr<T>(), rows, d, eps);
  });
  return r;
}

NormGrads layer_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& w_in,
                              const Tensor& mean_in, const Tensor& var_in, int64_t d, double eps,
                              bool need_weight, bool need_bias) {
  need_weight = need_weight && w_in.defined();
  const Tensor gy = du::dense(gy_in);
  const Tensor x = du::dense(x_in);
  const Tensor w = dense_or_undefined(w_in);
  const Tensor mean = du::dense(mean_in);
  const Tensor var = du::dense(var_in);
  const int64_t rows = d == 0 ? 0 : x.numel() / d;
  NormGrads r;
  r.input = new_like(x.shape(), x);
  if (need_weight) r.weight = new_like({d}, x);
  if (need_bias) r.bias = new_like({d}, x);
  if (x.numel() == 0) {
    if (need_weight) kernels::fill(r.weight, 0.0);
    if (need_bias) kernels::fill(r.bias, 0.0);
    return r;
  }
  const bool scale = w.defined();
  if (x.dtype() == kFloat32) {
    const bool shift = need_bias;
    const auto prim = ln_prim(true, rows, d, scale, shift, eps);
    if (prim->ok) {
      const Tensor gw = need_weight ? r.weight : new_like({d}, x);
      const Tensor gb = need_bias ? r.bias : new_like({d}, x);
      std::unordered_map<int, dnnl::memory> args{
          {DNNL_ARG_SRC, du::wrap(prim->data, x.raw_data())},
          {DNNL_ARG_DIFF_DST, du::wrap(prim->data, gy.raw_data())},
          {DNNL_ARG_DIFF_SRC, du::wrap(prim->data, r.input.raw_data())},
          {DNNL_ARG_MEAN, du::wrap(prim->stat, mean.raw_data())},
          {DNNL_ARG_VARIANCE, du::wrap(prim->stat, var.raw_data())}};
      if (scale) {
        args.emplace(DNNL_ARG_SCALE, du::wrap(prim->scale, w.raw_data()));
        args.emplace(DNNL_ARG_DIFF_SCALE, du::wrap(prim->scale, gw.raw_data()));
      }
      // oneDNN asks for the shift itself too, though the backward never reads it.
      const Tensor shift_in = shift ? new_like({d}, x) : Tensor();
      if (shift) {
        args.emplace(DNNL_ARG_SHIFT, du::wrap(prim->scale, shift_in.raw_data()));
        args.emplace(DNNL_ARG_DIFF_SHIFT, du::wrap(prim->scale, gb.raw_data()));
      }
      du::execute(prim->prim, args, prim->scratchpad);
      return r;
    }
  }
  dispatch_floating(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    ln_backward_loops<T>(gy.data_ptr<T>(), x.data_ptr<T>(), ptr_or_null<T>(w), mean.data_ptr<T>(),
                         var.data_ptr<T>(), r.input.data_ptr<T>(), mut_ptr_or_null<T>(r.weight),
                         mut_ptr_or_null<T>(r.bias), rows, d, eps);
  });
  return r;
}

}  // namespace strata::kernels::cpu
