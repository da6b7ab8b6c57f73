#pragma once
// Convolution geometry and the reference loops (f64, and f32 where oneDNN declines): direct loops over
// output positions, parallel over batch and channels above a grain. Private to conv.cpp.
#include <cstdint>

#include "kernels/conv.h"
#include "strata/core/shape.h"

namespace strata::kernels::cpu::conv_detail {

// Sizes of one convolution: input [n, ic, ih, iw], weight [oc, ic / groups, kh, kw], output [n, oc, oh, ow].
struct Geometry {
  int64_t n, ic, ih, iw, oc, oh, ow, kh, kw;
};

// Multiply-adds of the convolution (the same for its two backward products).
inline int64_t macs(const Geometry& g, const Conv2dParams& p) {
  return g.n * g.oc * g.oh * g.ow * (g.ic / p.groups) * g.kh * g.kw;
}

inline Geometry geometry(const Shape& x, const Shape& w, const Conv2dParams& p) {
  Geometry g{x[0], x[1], x[2], x[3], w[0], 0, 0, w[2], w[3]};
  g.oh = conv_out_size(g.ih, g.kh, p.stride[0], p.pad_begin[0], p.pad_end[0], p.dilation[0]);
  g.ow = conv_out_size(g.iw, g.kw, p.stride[1], p.pad_begin[1], p.pad_end[1], p.dilation[1]);
  return g;
}

// Work (multiply-adds) below which the reference loops stay single-threaded.
constexpr int64_t kLoopGrain = 1 << 15;

// ---- reference loops (f64, and f32 where oneDNN declines) ---------------------------------------------

template <typename T>
void forward_loops(const T* x, const T* w, const T* b, T* y, const Geometry& g, const Conv2dParams& p) {
  const int64_t icg = g.ic / p.groups;
  const int64_t ocg = g.oc / p.groups;
  const int64_t work = g.n * g.oc * g.oh * g.ow * icg * g.kh * g.kw;
#pragma omp parallel for collapse(2) if (work > kLoopGrain)
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oc = 0; oc < g.oc; ++oc) {
      const int64_t grp = oc / ocg;
      T* yp = y + (n * g.oc + oc) * g.oh * g.ow;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          T acc = b ? b[oc] : T(0);
          for (int64_t c = 0; c < icg; ++c) {
            const T* xp = x + (n * g.ic + grp * icg + c) * g.ih * g.iw;
            const T* wp = w + (oc * icg + c) * g.kh * g.kw;
            for (int64_t i = 0; i < g.kh; ++i) {
              const int64_t ih = oh * p.stride[0] - p.pad_begin[0] + i * p.dilation[0];
              if (ih < 0 || ih >= g.ih) continue;
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t iw = ow * p.stride[1] - p.pad_begin[1] + j * p.dilation[1];
                if (iw < 0 || iw >= g.iw) continue;
                acc += xp[ih * g.iw + iw] * wp[i * g.kw + j];
              }
            }
          }
          yp[oh * g.ow + ow] = acc;
        }
      }
    }
  }
}

// Gathers, for each input element, the output positions its taps feed (no write races).
template <typename T>
void backward_data_loops(const T* gy, const T* w, T* gx, const Geometry& g, const Conv2dParams& p) {
  const int64_t icg = g.ic / p.groups;
  const int64_t ocg = g.oc / p.groups;
  const int64_t work = g.n * g.oc * g.oh * g.ow * icg * g.kh * g.kw;
#pragma omp parallel for collapse(2) if (work > kLoopGrain)
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t ic = 0; ic < g.ic; ++ic) {
      const int64_t grp = ic / icg;
      const int64_t c = ic % icg;
      T* gxp = gx + (n * g.ic + ic) * g.ih * g.iw;
      for (int64_t ih = 0; ih < g.ih; ++ih) {
        for (int64_t iw = 0; iw < g.iw; ++iw) {
          T acc = 0;
          for (int64_t i = 0; i < g.kh; ++i) {
            const int64_t th = ih + p.pad_begin[0] - i * p.dilation[0];
            if (th < 0 || th % p.stride[0] != 0) continue;
            const int64_t oh = th / p.stride[0];
            if (oh >= g.oh) continue;
            for (int64_t j = 0; j < g.kw; ++j) {
              const int64_t tw = iw + p.pad_begin[1] - j * p.dilation[1];
              if (tw < 0 || tw % p.stride[1] != 0) continue;
              const int64_t ow = tw / p.stride[1];
              if (ow >= g.ow) continue;
              for (int64_t o = 0; o < ocg; ++o) {
                const int64_t oc = grp * ocg + o;
                acc +=
                    gy[((n * g.oc + oc) * g.oh + oh) * g.ow + ow] * w[((oc * icg + c) * g.kh + i) * g.kw + j];
              }
            }
          }
          gxp[ih * g.iw + iw] = acc;
        }
      }
    }
  }
}

template <typename T>
void backward_weights_loops(const T* gy, const T* x, T* gw, T* gb, const Geometry& g, const Conv2dParams& p) {
  const int64_t icg = g.ic / p.groups;
  const int64_t ocg = g.oc / p.groups;
  const int64_t work = g.n * g.oc * g.oh * g.ow * icg * g.kh * g.kw;
#pragma omp parallel for collapse(2) if (work > kLoopGrain)
  for (int64_t oc = 0; oc < g.oc; ++oc) {
    for (int64_t c = 0; c < icg; ++c) {
      const int64_t ic = (oc / ocg) * icg + c;
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          T acc = 0;
          for (int64_t n = 0; n < g.n; ++n) {
            const T* gyp = gy + (n * g.oc + oc) * g.oh * g.ow;
            const T* xp = x + (n * g.ic + ic) * g.ih * g.iw;
            for (int64_t oh = 0; oh < g.oh; ++oh) {
              const int64_t ih = oh * p.stride[0] - p.pad_begin[0] + i * p.dilation[0];
              if (ih < 0 || ih >= g.ih) continue;
              for (int64_t ow = 0; ow < g.ow; ++ow) {
                const int64_t iw = ow * p.stride[1] - p.pad_begin[1] + j * p.dilation[1];
                if (iw < 0 || iw >= g.iw) continue;
                acc += gyp[oh * g.ow + ow] * xp[ih * g.iw + iw];
              }
            }
          }
          gw[((oc * icg + c) * g.kh + i) * g.kw + j] = acc;
        }
      }
    }
  }
  if (gb) {
    for (int64_t oc = 0; oc < g.oc; ++oc) {
      T acc = 0;
      for (int64_t n = 0; n < g.n; ++n) {
        const T* gyp = gy + (n * g.oc + oc) * g.oh * g.ow;
        for (int64_t k = 0; k < g.oh * g.ow; ++k) acc += gyp[k];
      }
      gb[oc] = acc;
    }
  }
}

}  // namespace strata::kernels::cpu::conv_detail
