// CPU upsampling. Along each spatial dim, output position o reads source positions i0[o], i1[o] with
// weights l0[o], l1[o] (nearest: i1 = i0, l1 = 0), computed once per call with PyTorch's arithmetic.
// The forward walks output rows: per (n, c) plane for NCHW input (a gather along the row), per (n, oh)
// for channels-last input (contiguous runs over channels, which vectorise). The backward scatters each
// output gradient onto its sources with the same weights, one (n, c) plane per thread, so no two
// threads write the same element. Products are formed in PyTorch's order (rows blended after columns).
#include "kernels/cpu/upsample.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/conv_dnnl.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

// Source positions and weights of every output position along one dim.
template <typename T>
struct Axis {
  std::vector<int64_t> i0, i1;
  std::vector<T> l0, l1;
  int64_t size() const { return static_cast<int64_t>(i0.size()); }
  // True where output position o copies one source position (weight 1, no neighbour).
  bool single(int64_t o) const { return l1[o] == T(0) && l0[o] == T(1); }
};

// PyTorch's nearest_idx: exact for equal and doubled sizes, else floor(o * scale) in float.
int64_t nearest_index(int64_t o, int64_t in, int64_t out, double scale) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const float s =
      scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
  return std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
}

template <typename T>
Axis<T> make_axis(int64_t in, int64_t out, const UpsampleParams& p, double scale) {
  Axis<T> a;
  a.i0.resize(static_cast<size_t>(out));
  a.i1.resize(static_cast<size_t>(out));
  a.l0.assign(static_cast<size_t>(out), T(1));
  a.l1.assign(static_cast<size_t>(out), T(0));
  if (p.mode == UpsampleMode::Nearest) {
    for (int64_t o = 0; o < out; ++o) a.i0[o] = a.i1[o] = nearest_index(o, in, out, scale);
    return a;
  }
  // PyTorch's area_pixel_compute_scale and area_pixel_compute_source_index, in the input's dtype.
  T s;
  if (p.align_corners)
    s = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  else
    s = scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in) {
      a.i0[o] = a.i1[o] = o;
      continue;
    }
    T real = p.align_corners ? s * static_cast<T>(o) : s * (static_cast<T>(o) + T(0.5)) - T(0.5);
    if (real < T(0)) real = T(0);
    const int64_t i = std::min(static_cast<int64_t>(std::floor(real)), in - 1);
    const T l = std::min(std::max(real - static_cast<T>(i), T(0)), T(1));
    a.i0[o] = i;
    a.i1[o] = i + (i < in - 1 ? 1 : 0);
    a.l1[o] = l;
    a.l0[o] = T(1) - l;
  }
  return a;
}

struct Dims {
  int64_t n, c, ih, iw, oh, ow;
};

// One output row of a plane from source rows r0 (weight h0) and r1 (weight h1).
template <typename T>
void forward_row(const T* r0, const T* r1, T h0, T h1, bool single_row, const Axis<T>& aw, bool nearest,
                 T* y) {
  const int64_t ow = aw.size();
  const int64_t* i0 = aw.i0.data();
  const int64_t* i1 = aw.i1.data();
  const T* w0 = aw.l0.data();
  const T* w1 = aw.l1.data();
  if (nearest) {
    for (int64_t w = 0; w < ow; ++w) y[w] = r0[i0[w]];
  } else if (single_row) {
    for (int64_t w = 0; w < ow; ++w) y[w] = w0[w] * r0[i0[w]] + w1[w] * r0[i1[w]];
  } else {
    for (int64_t w = 0; w < ow; ++w)
      y[w] = h0 * (w0[w] * r0[i0[w]] + w1[w] * r0[i1[w]]) + h1 * (w0[w] * r1[i0[w]] + w1[w] * r1[i1[w]]);
  }
}

template <typename T>
void forward_planes(const T* x, T* y, const Dims& d, const Axis<T>& ah, const Axis<T>& aw, bool nearest) {
  const int64_t planes = d.n * d.c;
#pragma omp parallel for schedule(static) if (planes * d.oh * d.ow > kElementwiseGrain)
  for (int64_t c = 0; c < planes; ++c) {
    const T* xp = x + c * d.ih * d.iw;
    T* yp = y + c * d.oh * d.ow;
    for (int64_t h = 0; h < d.oh; ++h) {
      T* row = yp + h * d.ow;
      // Nearest upsampling repeats source rows: copy the row just written.
      if (nearest && h > 0 && ah.i0[h] == ah.i0[h - 1]) {
        std::copy(row - d.ow, row, row);
        continue;
      }
      forward_row(xp + ah.i0[h] * d.iw, xp + ah.i1[h] * d.iw, ah.l0[h], ah.l1[h], ah.single(h), aw, nearest,
                  row);
    }
  }
}

// Channels-last: x and y are dense [N, H, W, C]; each output pixel blends whole channel vectors.
template <typename T>
void forward_channels_last(const T* x, T* y, const Dims& d, const Axis<T>& ah, const Axis<T>& aw,
                           bool nearest) {
  const int64_t rows = d.n * d.oh, c = d.c;
#pragma omp parallel for schedule(static) if (rows * d.ow * c > kElementwiseGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t b = r / d.oh, h = r % d.oh;
    const T* base = x + b * d.ih * d.iw * c;
    const T* r0 = base + ah.i0[h] * d.iw * c;
    const T* r1 = base + ah.i1[h] * d.iw * c;
    const T h0 = ah.l0[h], h1 = ah.l1[h];
    const bool single_row = ah.single(h);
    T* yr = y + r * d.ow * c;
    for (int64_t w = 0; w < d.ow; ++w) {
      T* o = yr + w * c;
      const T* a = r0 + aw.i0[w] * c;
      if (nearest) {
        std::copy(a, a + c, o);
        continue;
      }
      const T* bq = r0 + aw.i1[w] * c;
      const T w0 = aw.l0[w], w1 = aw.l1[w];
      if (single_row) {
        for (int64_t k = 0; k < c; ++k) o[k] = w0 * a[k] + w1 * bq[k];
      } else {
        const T* cq = r1 + aw.i0[w] * c;
        const T* dq = r1 + aw.i1[w] * c;
        for (int64_t k = 0; k < c; ++k) o[k] = h0 * (w0 * a[k] + w1 * bq[k]) + h1 * (w0 * cq[k] + w1 * dq[k]);
      }
    }
  }
}

template <typename T>
void backward_planes(const T* gy, T* gx, const Dims& d, const Axis<T>& ah, const Axis<T>& aw, bool nearest) {
  const int64_t planes = d.n * d.c;
  const int64_t* i0 = aw.i0.data();
  const int64_t* i1 = aw.i1.data();
  const T* w0 = aw.l0.data();
  const T* w1 = aw.l1.data();
#pragma omp parallel for schedule(static) if (planes * std::max(d.oh * d.ow, d.ih * d.iw) > kElementwiseGrain)
  for (int64_t c = 0; c < planes; ++c) {
    T* gxp = gx + c * d.ih * d.iw;
    const T* gyp = gy + c * d.oh * d.ow;
    std::fill(gxp, gxp + d.ih * d.iw, T(0));
    for (int64_t h = 0; h < d.oh; ++h) {
      const T* g = gyp + h * d.ow;
      T* r0 = gxp + ah.i0[h] * d.iw;
      T* r1 = gxp + ah.i1[h] * d.iw;
      const T h0 = ah.l0[h], h1 = ah.l1[h];
      if (nearest) {
        for (int64_t w = 0; w < d.ow; ++w) r0[i0[w]] += g[w];
      } else if (ah.single(h)) {
        for (int64_t w = 0; w < d.ow; ++w) {
          r0[i0[w]] += w0[w] * g[w];
          r0[i1[w]] += w1[w] * g[w];
        }
      } else {
        for (int64_t w = 0; w < d.ow; ++w) {
          r0[i0[w]] += h0 * w0[w] * g[w];
          r0[i1[w]] += h0 * w1[w] * g[w];
          r1[i0[w]] += h1 * w0[w] * g[w];
          r1[i1[w]] += h1 * w1[w] * g[w];
        }
      }
    }
  }
}

void check_4d(const char* op, const Shape& shape) {
  STRATA_CHECK(shape.size() == 4, "{}: expected a 4-D tensor, got shape {}", op, shape.str());
}

}  // namespace

Tensor upsample2d(const Tensor& x_in, const UpsampleParams& p) {
  check_4d("interpolate", x_in.shape());
  const Dims d{x_in.size(0), x_in.size(1), x_in.size(2), x_in.size(3), p.out[0], p.out[1]};
  const bool nearest = p.mode == UpsampleMode::Nearest;
  // A channels-last input (what convolutions produce) is read in place and gives a channels-last output.
  const bool cl = is_channels_last(x_in) && !x_in.is_contiguous();
  const Shape out_shape{d.n, d.c, d.oh, d.ow};
  Tensor out = cl ? empty_channels_last(out_shape, x_in.dtype(), x_in.device())
                  : kernels::empty(out_shape, x_in.dtype(), x_in.device());
  if (out.numel() == 0) return out;
  const Tensor x = cl ? x_in : dnnl_util::dense(x_in);
  dispatch_floating(x.dtype(), "interpolate", [&]<typename T>() {
    const Axis<T> ah = make_axis<T>(d.ih, d.oh, p, p.scale[0]);
    const Axis<T> aw = make_axis<T>(d.iw, d.ow, p, p.scale[1]);
    if (cl)
      forward_channels_last<T>(x.data_ptr<T>(), out.data_ptr<T>(), d, ah, aw, nearest);
    else
      forward_planes<T>(x.data_ptr<T>(), out.data_ptr<T>(), d, ah, aw, nearest);
  });
  return out;
}

Tensor upsample2d_backward(const Tensor& gy_in, const Shape& input_shape, const UpsampleParams& p) {
  check_4d("interpolate_backward", input_shape);
  const Dims d{input_shape[0], input_shape[1], input_shape[2], input_shape[3], p.out[0], p.out[1]};
  STRATA_CHECK(gy_in.shape() == Shape({d.n, d.c, d.oh, d.ow}),
               "interpolate_backward: expected a gradient of shape {}, got {}",
               Shape({d.n, d.c, d.oh, d.ow}).str(), gy_in.shape().str());
  Tensor gx = kernels::empty(input_shape, gy_in.dtype(), gy_in.device());
  if (gx.numel() == 0) return gx;
  const Tensor gy = dnnl_util::dense(gy_in);
  dispatch_floating(gy.dtype(), "interpolate_backward", [&]<typename T>() {
    const Axis<T> ah = make_axis<T>(d.ih, d.oh, p, p.scale[0]);
    const Axis<T> aw = make_axis<T>(d.iw, d.ow, p, p.scale[1]);
    backward_planes<T>(gy.data_ptr<T>(), gx.data_ptr<T>(), d, ah, aw, p.mode == UpsampleMode::Nearest);
  });
  return gx;
}

}  // namespace strata::kernels::cpu
