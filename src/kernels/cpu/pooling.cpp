// CPU pooling. f32 max and average pooling run on oneDNN's pooling_v2 primitives (max keeps oneDNN's
// workspace for the backward), on channels-last activations as convolutions produce them (or NCHW); f64, the
// cases oneDNN computes differently from PyTorch (average pooling whose ceil-mode window overhangs the
// padding, with padding counted) and adaptive pooling run on loops over (n, c) planes.
#include "kernels/cpu/pooling.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/conv_dnnl.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

namespace du = dnnl_util;

// Work below which the loops stay single-threaded.
constexpr int64_t kLoopGrain = 1 << 15;

struct Planes {
  int64_t n, c, ih, iw, oh, ow;
  int64_t count() const { return n * c; }
};

Planes planes(const Shape& x, int64_t oh, int64_t ow) { return {x[0], x[1], x[2], x[3], oh, ow}; }

// The clipped window [begin, end) of output position o along one dim.
struct Window {
  int64_t begin, end;
};

Window window(int64_t o, int64_t k, int64_t s, int64_t pad, int64_t in) {
  const int64_t b = o * s - pad;
  return {std::max<int64_t>(b, 0), std::min(b + k, in)};
}

// ---- loops --------------------------------------------------------------------------------------------

template <typename T>
void max_loops(const T* x, T* y, int64_t* idx, const Planes& g, const Pool2dParams& p) {
  const int64_t work = g.count() * g.oh * g.ow * p.kernel[0] * p.kernel[1];
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    const T* xp = x + c * g.ih * g.iw;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const Window wh = window(oh, p.kernel[0], p.stride[0], p.pad[0], g.ih);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Window ww = window(ow, p.kernel[1], p.stride[1], p.pad[1], g.iw);
        T best = -std::numeric_limits<T>::infinity();
        int64_t best_i = wh.begin * g.iw + ww.begin;
        for (int64_t h = wh.begin; h < wh.end; ++h) {
          for (int64_t w = ww.begin; w < ww.end; ++w) {
            const T v = xp[h * g.iw + w];
            if (v > best || std::isnan(v)) {  // as PyTorch: NaN propagates
              best = v;
              best_i = h * g.iw + w;
            }
          }
        }
        const int64_t o = (c * g.oh + oh) * g.ow + ow;
        if (y) y[o] = best;
        idx[o] = best_i;
      }
    }
  }
}

// gx[plane][idx] += gy, one plane per thread (no races).
template <typename T>
void max_backward_loops(const T* gy, const int64_t* idx, T* gx, const Planes& g) {
  const int64_t work = g.count() * g.oh * g.ow;
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    T* gxp = gx + c * g.ih * g.iw;
    std::fill(gxp, gxp + g.ih * g.iw, T(0));
    const int64_t base = c * g.oh * g.ow;
    for (int64_t o = 0; o < g.oh * g.ow; ++o) gxp[idx[base + o]] += gy[base + o];
  }
}

// PyTorch's divisor: the window clipped to the padded input, or to the input when padding is excluded.
int64_t avg_divisor(int64_t oh, int64_t ow, const Planes& g, const Pool2dParams& p, bool count_include_pad) {
  if (count_include_pad) {
    const int64_t hb = oh * p.stride[0] - p.pad[0];
    const int64_t wb = ow * p.stride[1] - p.pad[1];
    const int64_t he = std::min(hb + p.kernel[0], g.ih + p.pad[0]);
    const int64_t we = std::min(wb + p.kernel[1], g.iw + p.pad[1]);
    return (he - hb) * (we - wb);
  }
  const Window wh = window(oh, p.kernel[0], p.stride[0], p.pad[0], g.ih);
  const Window ww = window(ow, p.kernel[1], p.stride[1], p.pad[1], g.iw);
  return (wh.end - wh.begin) * (ww.end - ww.begin);
}

template <typename T>
void avg_loops(const T* x, T* y, const Planes& g, const Pool2dParams& p, bool include_pad) {
  const int64_t work = g.count() * g.oh * g.ow * p.kernel[0] * p.kernel[1];
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    const T* xp = x + c * g.ih * g.iw;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const Window wh = window(oh, p.kernel[0], p.stride[0], p.pad[0], g.ih);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Window ww = window(ow, p.kernel[1], p.stride[1], p.pad[1], g.iw);
        T acc = 0;
        for (int64_t h = wh.begin; h < wh.end; ++h) {
          for (int64_t w = ww.begin; w < ww.end; ++w) acc += xp[h * g.iw + w];
        }
        const int64_t div = avg_divisor(oh, ow, g, p, include_pad);
        y[(c * g.oh + oh) * g.ow + ow] = div > 0 ? acc / static_cast<T>(div) : T(0);
      }
    }
  }
}

template <typename T>
void avg_backward_loops(const T* gy, T* gx, const Planes& g, const Pool2dParams& p, bool include_pad) {
  const int64_t work = g.count() * g.oh * g.ow * p.kernel[0] * p.kernel[1];
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    T* gxp = gx + c * g.ih * g.iw;
    std::fill(gxp, gxp + g.ih * g.iw, T(0));
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const Window wh = window(oh, p.kernel[0], p.stride[0], p.pad[0], g.ih);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Window ww = window(ow, p.kernel[1], p.stride[1], p.pad[1], g.iw);
        const int64_t div = avg_divisor(oh, ow, g, p, include_pad);
        if (div <= 0) continue;
        const T v = gy[(c * g.oh + oh) * g.ow + ow] / static_cast<T>(div);
        for (int64_t h = wh.begin; h < wh.end; ++h) {
          for (int64_t w = ww.begin; w < ww.end; ++w) gxp[h * g.iw + w] += v;
        }
      }
    }
  }
}

// PyTorch's adaptive window along one dim.
Window adaptive_window(int64_t o, int64_t in, int64_t out) {
  return {(o * in) / out, ((o + 1) * in + out - 1) / out};
}

template <typename T>
void adaptive_loops(const T* x, T* y, const Planes& g) {
  const int64_t work = g.count() * std::max(g.ih * g.iw, g.oh * g.ow);
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    const T* xp = x + c * g.ih * g.iw;
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const Window wh = adaptive_window(oh, g.ih, g.oh);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Window ww = adaptive_window(ow, g.iw, g.ow);
        T acc = 0;
        for (int64_t h = wh.begin; h < wh.end; ++h) {
          for (int64_t w = ww.begin; w < ww.end; ++w) acc += xp[h * g.iw + w];
        }
        y[(c * g.oh + oh) * g.ow + ow] = acc / static_cast<T>((wh.end - wh.begin) * (ww.end - ww.begin));
      }
    }
  }
}

template <typename T>
void adaptive_backward_loops(const T* gy, T* gx, const Planes& g) {
  const int64_t work = g.count() * std::max(g.ih * g.iw, g.oh * g.ow);
#pragma omp parallel for if (work > kLoopGrain)
  for (int64_t c = 0; c < g.count(); ++c) {
    T* gxp = gx + c * g.ih * g.iw;
    std::fill(gxp, gxp + g.ih * g.iw, T(0));
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const Window wh = adaptive_window(oh, g.ih, g.oh);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Window ww = adaptive_window(ow, g.iw, g.ow);
        const T v =
            gy[(c * g.oh + oh) * g.ow + ow] / static_cast<T>((wh.end - wh.begin) * (ww.end - ww.begin));
        for (int64_t h = wh.begin; h < wh.end; ++h) {
          for (int64_t w = ww.begin; w < ww.end; ++w) gxp[h * g.iw + w] += v;
        }
      }
    }
  }
}

// ---- oneDNN (f32) -------------------------------------------------------------------------------------

enum class Algo : int64_t { Max = 1, AvgInclude, AvgExclude };

dnnl::algorithm dnnl_algorithm(Algo a) {
  switch (a) {
    case Algo::Max:
      return dnnl::algorithm::pooling_max;
    case Algo::AvgInclude:
      return dnnl::algorithm::pooling_avg_include_padding;
    case Algo::AvgExclude:
      return dnnl::algorithm::pooling_avg_exclude_padding;
  }
  return dnnl::algorithm::pooling_max;
}

// oneDNN's end padding: exact when the ceil-mode window overhangs the user's padding, else the
// user's (its floor division then gives the same output size).
int64_t dnnl_pad_end(int64_t in, int64_t d, const Pool2dParams& p) {
  return std::max(p.pad[d], (p.out[d] - 1) * p.stride[d] + p.kernel[d] - in - p.pad[d]);
}

struct PoolPrim {
  bool ok = false;
  dnnl::primitive prim;
  dnnl::memory::desc src, dst, workspace, scratchpad;
};

struct PoolDesc {
  dnnl::memory::desc src, dst;
  dnnl::memory::dims strides, kernel, dilation, pad_l, pad_r;
};

PoolDesc describe(const Planes& g, const Pool2dParams& p, bool channels_last) {
  PoolDesc d;
  d.src = du::activation({g.n, g.c, g.ih, g.iw}, channels_last);
  d.dst = du::activation({g.n, g.c, g.oh, g.ow}, channels_last);
  d.strides = {p.stride[0], p.stride[1]};
  d.kernel = {p.kernel[0], p.kernel[1]};
  d.dilation = {0, 0};
  d.pad_l = {p.pad[0], p.pad[1]};
  d.pad_r = {dnnl_pad_end(g.ih, 0, p), dnnl_pad_end(g.iw, 1, p)};
  return d;
}

dnnl::pooling_v2_forward::desc forward_desc(const PoolDesc& d, Algo a, dnnl::prop_kind prop) {
  return {prop, dnnl_algorithm(a), d.src, d.dst, d.strides, d.kernel, d.dilation, d.pad_l, d.pad_r};
}

du::Key key(int64_t tag, const Planes& g, const Pool2dParams& p, Algo a, bool channels_last) {
  return du::make_key(tag, {g.n, g.c, g.ih, g.iw, g.oh, g.ow, p.kernel[0], p.kernel[1], p.stride[0],
                            p.stride[1], p.pad[0], p.pad[1], static_cast<int64_t>(a), channels_last});
}

template <typename Create>
std::shared_ptr<const PoolPrim> cached(const du::Key& k, Create create) {
  static du::Cache<PoolPrim> cache;
  return cache.get(k, [&] {
    auto out = std::make_shared<PoolPrim>();
    try {
      create(*out);
      out->ok = true;
    } catch (const dnnl::error&) {
      out->ok = false;
    }
    return out;
  });
}

// Tags: 1 forward inference, 2 forward training, 3 backward.
std::shared_ptr<const PoolPrim> forward_prim(const Planes& g, const Pool2dParams& p, Algo a, bool training,
                                             bool channels_last) {
  return cached(key(training ? 2 : 1, g, p, a, channels_last), [&](PoolPrim& out) {
    const PoolDesc d = describe(g, p, channels_last);
    const auto prop = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    dnnl::pooling_v2_forward::primitive_desc pd(forward_desc(d, a, prop), du::user_scratchpad(),
                                                du::engine());
    out.src = d.src;
    out.dst = d.dst;
    out.workspace = pd.workspace_desc();
    out.scratchpad = pd.scratchpad_desc();
    out.prim = dnnl::pooling_v2_forward(pd);
  });
}

std::shared_ptr<const PoolPrim> backward_prim(const Planes& g, const Pool2dParams& p, Algo a,
                                              bool channels_last) {
  return cached(key(3, g, p, a, channels_last), [&](PoolPrim& out) {
    const PoolDesc d = describe(g, p, channels_last);
    dnnl::pooling_v2_forward::primitive_desc hint(forward_desc(d, a, dnnl::prop_kind::forward_training),
                                                  du::engine());
    dnnl::pooling_v2_backward::desc desc(dnnl_algorithm(a), d.src, d.dst, d.strides, d.kernel, d.dilation,
                                         d.pad_l, d.pad_r);
    dnnl::pooling_v2_backward::primitive_desc pd(desc, du::user_scratchpad(), du::engine(), hint);
    out.src = d.src;
    out.dst = d.dst;
    out.workspace = pd.workspace_desc();
    out.scratchpad = pd.scratchpad_desc();
    out.prim = dnnl::pooling_v2_backward(pd);
  });
}

// Whether oneDNN's average matches PyTorch's: with padding counted, oneDNN divides by the full kernel
// even where a ceil-mode window overhangs the padding.
bool dnnl_avg_matches(const Planes& g, const Pool2dParams& p, bool include_pad) {
  if (!include_pad) return true;
  return dnnl_pad_end(g.ih, 0, p) == p.pad[0] && dnnl_pad_end(g.iw, 1, p) == p.pad[1];
}

Algo avg_algo(bool include_pad) { return include_pad ? Algo::AvgInclude : Algo::AvgExclude; }

void check_4d(const char* op, const Tensor& x) {
  STRATA_CHECK(x.dim() == 4, "{}: expected a 4-D tensor, got shape {}", op, x.shape().str());
}

// oneDNN runs on the input's layout: channels-last (what convolutions produce; its kernels are several
// times faster there than on NCHW) or NCHW. This is the layout a forward on x ran in, for x as given.
bool runs_channels_last(const Tensor& x) {
  return is_channels_last(x) || x.size(1) == 1 || x.size(2) * x.size(3) == 1;
}

// t (shaped like an activation) in the layout a kernel runs in.
Tensor in_layout(const Tensor& t, bool channels_last) {
  return channels_last ? to_channels_last(t) : du::dense(t);
}

Tensor empty_in_layout(const Shape& shape, bool channels_last, const Tensor& like) {
  return channels_last ? empty_channels_last(shape, like.dtype(), like.device())
                       : kernels::empty(shape, like.dtype(), like.device());
}

Tensor zeros_of(const Shape& shape, const Tensor& like) {
  Tensor t = kernels::empty(shape, like.dtype(), like.device());
  kernels::fill(t, 0.0);
  return t;
}

}  // namespace

MaxPoolResult max_pool2d(const Tensor& x_in, const Pool2dParams& p, bool with_workspace) {
  check_4d("max_pool2d", x_in);
  const Planes g = planes(x_in.shape(), p.out[0], p.out[1]);
  const bool cl = x_in.dtype() == kFloat32 && runs_channels_last(x_in);
  const Tensor x = in_layout(x_in, cl);
  MaxPoolResult r;
  r.out = empty_in_layout({g.n, g.c, g.oh, g.ow}, cl, x);
  if (r.out.numel() == 0) {
    if (with_workspace) r.workspace = kernels::empty(r.out.shape(), kInt64, x.device());
    return r;
  }
  if (x.dtype() == kFloat32) {
    const du::SerialScope serial(x.numel() < kElementwiseGrain);
    const auto prim = forward_prim(g, p, Algo::Max, with_workspace, cl);
    if (prim->ok) {
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, du::wrap(prim->src, x.raw_data())},
                                                 {DNNL_ARG_DST, du::wrap(prim->dst, r.out.raw_data())}};
      if (with_workspace) {
        const int64_t bytes = static_cast<int64_t>(prim->workspace.get_size());
        r.workspace = kernels::empty({bytes}, kUInt8, x.device());
        args.emplace(DNNL_ARG_WORKSPACE, du::wrap(prim->workspace, r.workspace.raw_data()));
      }
      du::execute(prim->prim, args, prim->scratchpad);
      return r;
    }
  }
  Tensor idx = kernels::empty(r.out.shape(), kInt64, x.device());
  const Tensor xd = du::dense(x);
  r.out = kernels::empty(r.out.shape(), x.dtype(), x.device());
  dispatch_floating(x.dtype(), "max_pool2d", [&]<typename T>() {
    max_loops<T>(xd.data_ptr<T>(), r.out.data_ptr<T>(), idx.data_ptr<int64_t>(), g, p);
  });
  if (with_workspace) r.workspace = idx;
  return r;
}

Tensor max_pool2d_backward(const Tensor& gy_in, const Tensor& x, const Tensor& workspace_in,
                           const Pool2dParams& p) {
  check_4d("max_pool2d_backward", x);
  const Planes g = planes(x.shape(), p.out[0], p.out[1]);
  Tensor workspace = workspace_in;
  if (!workspace.defined()) workspace = cpu::max_pool2d(x, p, true).workspace;
  if (gy_in.numel() == 0) return zeros_of(x.shape(), gy_in);
  if (workspace.dtype() == kUInt8) {  // oneDNN's, laid out like the forward's output
    const bool cl = runs_channels_last(x);
    const Tensor gy = in_layout(gy_in, cl);
    const du::SerialScope serial(x.numel() < kElementwiseGrain);
    const auto prim = backward_prim(g, p, Algo::Max, cl);
    STRATA_CHECK(prim->ok, "max_pool2d_backward: oneDNN has no kernel for input of shape {}",
                 x.shape().str());
    Tensor gx = empty_in_layout(x.shape(), cl, gy);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_DIFF_DST, du::wrap(prim->dst, gy.raw_data())},
        {DNNL_ARG_DIFF_SRC, du::wrap(prim->src, gx.raw_data())},
        {DNNL_ARG_WORKSPACE, du::wrap(prim->workspace, workspace.raw_data())}};
    du::execute(prim->prim, args, prim->scratchpad);
    return gx;
  }
  const Tensor gy = du::dense(gy_in);
  Tensor gx = kernels::empty(x.shape(), gy.dtype(), gy.device());
  dispatch_floating(gy.dtype(), "max_pool2d_backward", [&]<typename T>() {
    max_backward_loops<T>(gy.data_ptr<T>(), workspace.data_ptr<int64_t>(), gx.data_ptr<T>(), g);
  });
  return gx;
}

Tensor max_pool2d_gather(const Tensor& x_in, const Tensor& v_in, const Pool2dParams& p) {
  check_4d("max_pool2d_gather", x_in);
  const Planes g = planes(x_in.shape(), p.out[0], p.out[1]);
  const Tensor x = du::dense(x_in);
  const Tensor v = du::dense(v_in);
  Tensor out = kernels::empty({g.n, g.c, g.oh, g.ow}, v.dtype(), v.device());
  if (out.numel() == 0) return out;
  Tensor idx = kernels::empty(out.shape(), kInt64, x.device());
  dispatch_floating(x.dtype(), "max_pool2d_gather", [&]<typename T>() {
    max_loops<T>(x.data_ptr<T>(), nullptr, idx.data_ptr<int64_t>(), g, p);
    const int64_t* ip = idx.data_ptr<int64_t>();
    const T* vp = v.data_ptr<T>();
    T* op = out.data_ptr<T>();
    const int64_t plane_out = g.oh * g.ow;
    for (int64_t c = 0; c < g.count(); ++c) {
      for (int64_t o = 0; o < plane_out; ++o)
        op[c * plane_out + o] = vp[c * g.ih * g.iw + ip[c * plane_out + o]];
    }
  });
  return out;
}

Tensor avg_pool2d(const Tensor& x_in, const Pool2dParams& p, bool count_include_pad) {
  check_4d("avg_pool2d", x_in);
  const Planes g = planes(x_in.shape(), p.out[0], p.out[1]);
  const bool cl =
      x_in.dtype() == kFloat32 && dnnl_avg_matches(g, p, count_include_pad) && runs_channels_last(x_in);
  const Tensor x = in_layout(x_in, cl);
  if (g.count() * g.oh * g.ow == 0) return kernels::empty({g.n, g.c, g.oh, g.ow}, x.dtype(), x.device());
  if (x.dtype() == kFloat32 && dnnl_avg_matches(g, p, count_include_pad)) {
    const du::SerialScope serial(x.numel() < kElementwiseGrain);
    const auto prim = forward_prim(g, p, avg_algo(count_include_pad), false, cl);
    if (prim->ok) {
      Tensor out = empty_in_layout({g.n, g.c, g.oh, g.ow}, cl, x);
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, du::wrap(prim->src, x.raw_data())},
                                                 {DNNL_ARG_DST, du::wrap(prim->dst, out.raw_data())}};
      du::execute(prim->prim, args, prim->scratchpad);
      return out;
    }
  }
  const Tensor xd = du::dense(x);
  Tensor out = kernels::empty({g.n, g.c, g.oh, g.ow}, x.dtype(), x.device());
  dispatch_floating(x.dtype(), "avg_pool2d", [&]<typename T>() {
    avg_loops<T>(xd.data_ptr<T>(), out.data_ptr<T>(), g, p, count_include_pad);
  });
  return out;
}

Tensor avg_pool2d_backward(const Tensor& gy_in, const Shape& input_shape, const Pool2dParams& p,
                           bool count_include_pad) {
  const Planes g = planes(input_shape, p.out[0], p.out[1]);
  if (gy_in.numel() == 0) return zeros_of(input_shape, gy_in);
  if (gy_in.dtype() == kFloat32 && dnnl_avg_matches(g, p, count_include_pad)) {
    // No workspace ties it to the forward: the gradient's layout decides.
    const bool cl = is_channels_last(gy_in);
    const Tensor gy = in_layout(gy_in, cl);
    const du::SerialScope serial(g.n * g.c * g.ih * g.iw < kElementwiseGrain);
    const auto prim = backward_prim(g, p, avg_algo(count_include_pad), cl);
    if (prim->ok) {
      Tensor gx = empty_in_layout(input_shape, cl, gy);
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DIFF_DST, du::wrap(prim->dst, gy.raw_data())},
                                                 {DNNL_ARG_DIFF_SRC, du::wrap(prim->src, gx.raw_data())}};
      du::execute(prim->prim, args, prim->scratchpad);
      return gx;
    }
  }
  const Tensor gy = du::dense(gy_in);
  Tensor gx = kernels::empty(input_shape, gy.dtype(), gy.device());
  dispatch_floating(gy.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    avg_backward_loops<T>(gy.data_ptr<T>(), gx.data_ptr<T>(), g, p, count_include_pad);
  });
  return gx;
}

Tensor adaptive_avg_pool2d(const Tensor& x_in, int64_t out_h, int64_t out_w) {
  check_4d("adaptive_avg_pool2d", x_in);
  const Planes g = planes(x_in.shape(), out_h, out_w);
  const Tensor x = du::dense(x_in);
  Tensor out = kernels::empty({g.n, g.c, g.oh, g.ow}, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d",
                    [&]<typename T>() { adaptive_loops<T>(x.data_ptr<T>(), out.data_ptr<T>(), g); });
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy_in, const Shape& input_shape) {
  const Planes g = planes(input_shape, gy_in.size(2), gy_in.size(3));
  const Tensor gy = du::dense(gy_in);
  if (gy.numel() == 0) return zeros_of(input_shape, gy);
  Tensor gx = kernels::empty(input_shape, gy.dtype(), gy.device());
  dispatch_floating(gy.dtype(), "adaptive_avg_pool2d_backward",
                    [&]<typename T>() { adaptive_backward_loops<T>(gy.data_ptr<T>(), gx.data_ptr<T>(), g); });
  return gx;
}

}  // namespace strata::kernels::cpu
