// Image operations as direct loops over contiguous CPU planes. Each mirrors the torchvision tensor code path
// (torchvision/transforms/functional_tensor.py) in its formulas and rounding, which the golden tests check:
// u8 images are computed in f32 and stored back rounded (geometry, blur) or truncated (colour blends).
#include "strata/data/image/functional.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "data/image/image_util.h"
#include "kernels/elementwise.h"
#include "strata/core/factory.h"

namespace strata::data::image {

using detail::Acc;
using detail::check_image;
using detail::color_dims;
using detail::dispatch_image;
using detail::planes_of;
using detail::round_store;
using detail::truncate_store;
using detail::with_hw;

namespace {

Tensor contiguous(const Tensor& img) { return img.is_contiguous() ? img : img.contiguous(); }

// Python's round(): halves go to the even neighbour.
int64_t py_round(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

}  // namespace

// ---- flips, crops, padding ------------------------------------------------------------------------

Tensor hflip(const Tensor& img) {
  check_image(img, "hflip");
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  dispatch_image(src.dtype(), "hflip", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t r = 0; r < planes * h; ++r) {
      const T* row = in + r * w;
      T* dst = o + r * w;
      for (int64_t x = 0; x < w; ++x) dst[x] = row[w - 1 - x];
    }
  });
  return out;
}

Tensor vflip(const Tensor& img) {
  check_image(img, "vflip");
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const size_t row_bytes = static_cast<size_t>(w) * src.element_size();
  const auto* in = static_cast<const char*>(src.raw_data());
  auto* o = static_cast<char*>(out.raw_data());
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < h; ++y)
      std::memcpy(o + static_cast<size_t>(p * h + y) * row_bytes,
                  in + static_cast<size_t>(p * h + (h - 1 - y)) * row_bytes, row_bytes);
  return out;
}

Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width) {
  check_image(img, "crop");
  STRATA_CHECK(height > 0 && width > 0, "crop: crop size {}x{} of an image of shape {} must be positive",
               height, width, img.shape().str());
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  Tensor out = kernels::empty(with_hw(src, height, width), src.dtype(), kCPU);
  // Rows and columns outside the image are zero, as torchvision's crop pads.
  const int64_t y0 = std::max<int64_t>(top, 0), y1 = std::min(top + height, h);
  const int64_t x0 = std::max<int64_t>(left, 0), x1 = std::min(left + width, w);
  const size_t es = src.element_size();
  const auto* in = static_cast<const char*>(src.raw_data());
  auto* o = static_cast<char*>(out.raw_data());
  if (y0 >= y1 || x0 >= x1 || y0 != top || x0 != left || y1 != top + height || x1 != left + width)
    std::memset(o, 0, static_cast<size_t>(out.numel()) * es);
  if (x0 < x1) {
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t y = y0; y < y1; ++y)
        std::memcpy(o + static_cast<size_t>((p * height + (y - top)) * width + (x0 - left)) * es,
                    in + static_cast<size_t>((p * h + y) * w + x0) * es, static_cast<size_t>(x1 - x0) * es);
  }
  return out;
}

namespace {

// Source index of padded position i (in [-before, n + after)), or -1 for the constant fill.
std::vector<int64_t> pad_map(int64_t n, int64_t before, int64_t after, PaddingMode mode) {
  std::vector<int64_t> map(static_cast<size_t>(n + before + after));
  for (int64_t k = 0; k < n + before + after; ++k) {
    int64_t i = k - before;
    if (i < 0 || i >= n) {
      switch (mode) {
        case PaddingMode::Constant:
          i = -1;
          break;
        case PaddingMode::Edge:
          i = std::clamp<int64_t>(i, 0, n - 1);
          break;
        case PaddingMode::Reflect:
          i = i < 0 ? -i : 2 * (n - 1) - i;
          break;
        case PaddingMode::Symmetric:
          i = i < 0 ? -i - 1 : 2 * n - 1 - i;
          break;
      }
    }
    map[static_cast<size_t>(k)] = i;
  }
  return map;
}

}  // namespace

Tensor pad(const Tensor& img, const Padding& padding, double fill, PaddingMode mode) {
  check_image(img, "pad");
  const auto [l, t, r, b] = padding;
  STRATA_CHECK(l >= 0 && t >= 0 && r >= 0 && b >= 0,
               "pad: padding (left {}, top {}, right {}, bottom {}) must be non-negative", l, t, r, b);
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  if (mode == PaddingMode::Reflect) {
    STRATA_CHECK(
        std::max(l, r) < w && std::max(t, b) < h,
        "pad: reflect padding (left {}, top {}, right {}, bottom {}) must be smaller than the image's "
        "height and width, got shape {}",
        l, t, r, b, img.shape().str());
  } else if (mode == PaddingMode::Symmetric) {
    STRATA_CHECK(
        std::max(l, r) <= w && std::max(t, b) <= h,
        "pad: symmetric padding (left {}, top {}, right {}, bottom {}) must not exceed the image's height "
        "and width, got shape {}",
        l, t, r, b, img.shape().str());
  } else if (mode == PaddingMode::Edge) {
    STRATA_CHECK(h > 0 && w > 0, "pad: edge padding needs a non-empty image, got shape {}",
                 img.shape().str());
  }
  const int64_t oh = h + t + b, ow = w + l + r;
  const std::vector<int64_t> rows = pad_map(h, t, b, mode), cols = pad_map(w, l, r, mode);
  Tensor out = kernels::empty(with_hw(src, oh, ow), src.dtype(), kCPU);
  dispatch_image(src.dtype(), "pad", [&]<typename T>() {
    const T value = truncate_store<T>(static_cast<Acc<T>>(fill));
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t y = 0; y < oh; ++y) {
        T* dst = o + (p * oh + y) * ow;
        const int64_t sy = rows[static_cast<size_t>(y)];
        if (sy < 0) {
          std::fill(dst, dst + ow, value);
          continue;
        }
        const T* row = in + (p * h + sy) * w;
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t sx = cols[static_cast<size_t>(x)];
          dst[x] = sx < 0 ? value : row[sx];
        }
      }
  });
  return out;
}

Tensor center_crop(const Tensor& img, int64_t height, int64_t width) {
  check_image(img, "center_crop");
  STRATA_CHECK(height > 0 && width > 0, "center_crop: size {}x{} must be positive (image shape {})", height,
               width, img.shape().str());
  Tensor src = img;
  int64_t h = img.size(-2), w = img.size(-1);
  if (width > w || height > h) {
    const Padding p{width > w ? (width - w) / 2 : 0, height > h ? (height - h) / 2 : 0,
                    width > w ? (width - w + 1) / 2 : 0, height > h ? (height - h + 1) / 2 : 0};
    src = pad(img, p);
    h = src.size(-2);
    w = src.size(-1);
    if (h == height && w == width) return src;
  }
  return crop(src, py_round(static_cast<double>(h - height) / 2.0),
              py_round(static_cast<double>(w - width) / 2.0), height, width);
}

// ---- resize ----------------------------------------------------------------------------------------

namespace {

// Output position i reads count[i] inputs from start[i] with weights[i * max_taps + k].
template <typename A>
struct Taps {
  std::vector<int64_t> start, count;
  std::vector<A> weights;
  int64_t max_taps = 1;
};

// Taps of torch's upsample kernels (align_corners=False): nearest, bilinear, antialiased bilinear.
template <typename A>
Taps<A> make_taps(int64_t in, int64_t out, Interpolation mode, bool antialias) {
  Taps<A> taps;
  taps.start.resize(static_cast<size_t>(out));
  taps.count.resize(static_cast<size_t>(out));
  const A scale = static_cast<A>(in) / static_cast<A>(out);
  if (mode == Interpolation::Nearest) {
    taps.weights.assign(static_cast<size_t>(out), A(1));
    for (int64_t i = 0; i < out; ++i) {
      int64_t s;
      if (out == in) {
        s = i;
      } else if (out == 2 * in) {
        s = i >> 1;
      } else {
        // torch's legacy "nearest" computes floor(i * scale) in f32.
        const float fs = static_cast<float>(in) / static_cast<float>(out);
        s = std::min(static_cast<int64_t>(std::floor(static_cast<float>(i) * fs)), in - 1);
      }
      taps.start[static_cast<size_t>(i)] = s;
      taps.count[static_cast<size_t>(i)] = 1;
    }
    return taps;
  }
  if (!antialias) {
    taps.max_taps = 2;
    taps.weights.assign(static_cast<size_t>(out) * 2, A(0));
    for (int64_t i = 0; i < out; ++i) {
      A real = scale * (static_cast<A>(i) + A(0.5)) - A(0.5);
      if (real < 0) real = 0;
      const auto i0 = static_cast<int64_t>(real);
      const int64_t offset = i0 < in - 1 ? 1 : 0;
      const A l1 = std::min(std::max(real - static_cast<A>(i0), A(0)), A(1));
      taps.start[static_cast<size_t>(i)] = i0;
      taps.count[static_cast<size_t>(i)] = 1 + offset;
      taps.weights[static_cast<size_t>(i) * 2] = A(1) - l1;
      if (offset)
        taps.weights[static_cast<size_t>(i) * 2 + 1] = l1;
      else
        taps.weights[static_cast<size_t>(i) * 2] = A(1);  // the two taps coincide at the last pixel
    }
    return taps;
  }
  // Antialiased bilinear (PIL's and torch's _upsample_bilinear2d_aa): a triangle filter whose support grows
  // with the downscaling factor, normalised per output pixel.
  const A support = scale >= A(1) ? scale : A(1);
  const A invscale = scale >= A(1) ? A(1) / scale : A(1);
  taps.max_taps = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  taps.weights.assign(static_cast<size_t>(out * taps.max_taps), A(0));
  for (int64_t i = 0; i < out; ++i) {
    const A center = scale * (static_cast<A>(i) + A(0.5));
    const int64_t xmin = std::max(static_cast<int64_t>(center - support + A(0.5)), int64_t{0});
    const int64_t xsize = std::min(static_cast<int64_t>(center + support + A(0.5)), in) - xmin;
    A* w = taps.weights.data() + i * taps.max_taps;
    A total = 0;
    for (int64_t j = 0; j < xsize; ++j) {
      const A x = std::abs((static_cast<A>(j + xmin) - center + A(0.5)) * invscale);
      w[j] = x < A(1) ? A(1) - x : A(0);
      total += w[j];
    }
    if (total != A(0))
      for (int64_t j = 0; j < xsize; ++j) w[j] /= total;
    taps.start[static_cast<size_t>(i)] = xmin;
    taps.count[static_cast<size_t>(i)] = xsize;
  }
  return taps;
}

std::array<int64_t, 2> resized_size(const Tensor& img, const std::vector<int64_t>& size, int64_t max_size) {
  STRATA_CHECK(size.size() == 1 || size.size() == 2,
               "resize: size must have 1 value (shorter edge) or 2 values (height, width), got [{}]",
               fmt::join(size, ", "));
  for (int64_t s : size) STRATA_CHECK(s > 0, "resize: size [{}] must be positive", fmt::join(size, ", "));
  const int64_t h = img.size(-2), w = img.size(-1);
  if (size.size() == 2) {
    STRATA_CHECK(max_size == 0, "resize: max_size is only allowed with a one-value size, got size [{}]",
                 fmt::join(size, ", "));
    return {size[0], size[1]};
  }
  STRATA_CHECK(h > 0 && w > 0, "resize: cannot resize an empty image of shape {}", img.shape().str());
  const int64_t shorter = std::min(h, w), longer = std::max(h, w);
  int64_t new_short = size[0];
  auto new_long = static_cast<int64_t>(static_cast<double>(new_short) * static_cast<double>(longer) /
                                       static_cast<double>(shorter));
  if (max_size > 0) {
    STRATA_CHECK(max_size > size[0], "resize: max_size {} must be larger than the requested shorter edge {}",
                 max_size, size[0]);
    if (new_long > max_size) {
      new_short = static_cast<int64_t>(static_cast<double>(max_size) * static_cast<double>(new_short) /
                                       static_cast<double>(new_long));
      new_long = max_size;
    }
  }
  return w <= h ? std::array<int64_t, 2>{new_long, new_short} : std::array<int64_t, 2>{new_short, new_long};
}

}  // namespace

Tensor resize(const Tensor& img, const std::vector<int64_t>& size, const ResizeOptions& options) {
  check_image(img, "resize");
  STRATA_CHECK(options.max_size >= 0, "resize: max_size must be non-negative, got {}", options.max_size);
  const auto [oh, ow] = resized_size(img, size, options.max_size);
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  STRATA_CHECK(h > 0 && w > 0, "resize: cannot resize an empty image of shape {}", img.shape().str());
  Tensor out = kernels::empty(with_hw(src, oh, ow), src.dtype(), kCPU);
  const bool aa = options.antialias && options.interpolation == Interpolation::Bilinear;
  dispatch_image(src.dtype(), "resize", [&]<typename T>() {
    using A = Acc<T>;
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    // Separable: width first, then height (the order torch uses), through an Acc buffer. A dimension whose
    // size does not change is copied (its taps would be the identity).
    const bool do_w = ow != w, do_h = oh != h;
    const Taps<A> tw = make_taps<A>(w, ow, options.interpolation, aa);
    const Taps<A> th = make_taps<A>(h, oh, options.interpolation, aa);
    std::vector<A> tmp(static_cast<size_t>(h * ow));
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = in + p * h * w;
      for (int64_t y = 0; y < h; ++y) {
        const T* row = plane + y * w;
        A* trow = tmp.data() + y * ow;
        if (!do_w) {
          for (int64_t x = 0; x < ow; ++x) trow[x] = static_cast<A>(row[x]);
          continue;
        }
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t s = tw.start[static_cast<size_t>(x)], n = tw.count[static_cast<size_t>(x)];
          const A* wt = tw.weights.data() + x * tw.max_taps;
          A acc = 0;
          for (int64_t k = 0; k < n; ++k) acc += wt[k] * static_cast<A>(row[s + k]);
          trow[x] = acc;
        }
      }
      T* dst = o + p * oh * ow;
      for (int64_t y = 0; y < oh; ++y) {
        T* drow = dst + y * ow;
        if (!do_h) {
          const A* trow = tmp.data() + y * ow;
          for (int64_t x = 0; x < ow; ++x) drow[x] = round_store<T>(trow[x]);
          continue;
        }
        const int64_t s = th.start[static_cast<size_t>(y)], n = th.count[static_cast<size_t>(y)];
        const A* wt = th.weights.data() + y * th.max_taps;
        for (int64_t x = 0; x < ow; ++x) {
          A acc = 0;
          for (int64_t k = 0; k < n; ++k) acc += wt[k] * tmp[static_cast<size_t>((s + k) * ow + x)];
          drow[x] = round_store<T>(acc);
        }
      }
    }
  });
  return out;
}

Tensor resized_crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
                    const std::vector<int64_t>& size, const ResizeOptions& options) {
  return resize(crop(img, top, left, height, width), size, options);
}

// ---- rotate, affine --------------------------------------------------------------------------------

std::array<double, 6> inverse_affine_matrix(std::array<double, 2> center, double angle,
                                            std::array<double, 2> translate, double scale,
                                            std::array<double, 2> shear) {
  const double deg = std::numbers::pi / 180.0;
  const double rot = angle * deg, sx = shear[0] * deg, sy = shear[1] * deg;
  const auto [cx, cy] = center;
  const auto [tx, ty] = translate;
  // Rotation-scale-shear without the scale; its determinant is 1.
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  std::array<double, 6> m = {d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0};
  // Undo the translation and centre, invert RSS, restore the centre.
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

namespace {

// Samples the image at M * (x, y, 1) for every output pixel (x, y relative to the image centre), as
// torchvision's _gen_affine_grid + grid_sample(align_corners=False, zeros) + its fill mask.
Tensor warp(const Tensor& img, const std::array<double, 6>& m, const WarpOptions& options, const char* op) {
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  const int64_t channels = src.dim() >= 3 ? src.size(-3) : 1;
  STRATA_CHECK(options.fill.size() == 1 || static_cast<int64_t>(options.fill.size()) == channels,
               "{}: fill has {} values but the image of shape {} has {} channels", op, options.fill.size(),
               src.shape().str(), channels);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  if (src.numel() == 0) return out;
  dispatch_image(src.dtype(), op, [&]<typename T>() {
    using A = Acc<T>;
    // The grid as torchvision builds it: theta in A, divided by half the size, applied to pixel centres.
    const A hw = A(0.5) * static_cast<A>(w), hh = A(0.5) * static_cast<A>(h);
    const A m0 = static_cast<A>(m[0]) / hw, m1 = static_cast<A>(m[1]) / hw, m2 = static_cast<A>(m[2]) / hw;
    const A m3 = static_cast<A>(m[3]) / hh, m4 = static_cast<A>(m[4]) / hh, m5 = static_cast<A>(m[5]) / hh;
    const A fw = static_cast<A>(w), fh = static_cast<A>(h);
    const int64_t n = h * w;
    // Per output pixel: 4 source offsets (-1: outside) and weights, computed once for all planes.
    std::vector<int64_t> idx(static_cast<size_t>(n) * 4);
    std::vector<A> wts(static_cast<size_t>(n) * 4);
    std::vector<A> mask(static_cast<size_t>(n));
    const bool bilinear = options.interpolation == Interpolation::Bilinear;
    for (int64_t y = 0; y < h; ++y) {
      const A gy0 = -hh + A(0.5) + static_cast<A>(y);
      for (int64_t x = 0; x < w; ++x) {
        const A gx0 = -hw + A(0.5) + static_cast<A>(x);
        const A gx = gx0 * m0 + gy0 * m1 + m2;
        const A gy = gx0 * m3 + gy0 * m4 + m5;
        const A ix = ((gx + A(1)) * fw - A(1)) / A(2);
        const A iy = ((gy + A(1)) * fh - A(1)) / A(2);
        const size_t k = static_cast<size_t>(y * w + x) * 4;
        if (bilinear) {
          const A fx = std::floor(ix), fy = std::floor(iy);
          const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
          const A ax = ix - fx, ay = iy - fy;
          const int64_t xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
          const A ws[4] = {(A(1) - ax) * (A(1) - ay), ax * (A(1) - ay), (A(1) - ax) * ay, ax * ay};
          A inside = 0;
          for (int c = 0; c < 4; ++c) {
            const bool ok = xs[c] >= 0 && xs[c] < w && ys[c] >= 0 && ys[c] < h;
            idx[k + c] = ok ? ys[c] * w + xs[c] : -1;
            wts[k + c] = ok ? ws[c] : A(0);
            inside += wts[k + c];
          }
          mask[static_cast<size_t>(y * w + x)] = inside;
        } else {
          const auto nx = static_cast<int64_t>(std::nearbyint(ix)),
                     ny = static_cast<int64_t>(std::nearbyint(iy));
          const bool ok = nx >= 0 && nx < w && ny >= 0 && ny < h;
          idx[k] = ok ? ny * w + nx : -1;
          mask[static_cast<size_t>(y * w + x)] = ok ? A(1) : A(0);
        }
      }
    }
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t p = 0; p < planes; ++p) {
      const A fill = static_cast<A>(
          options.fill.size() == 1 ? options.fill[0] : options.fill[static_cast<size_t>(p % channels)]);
      const T* plane = in + p * n;
      T* dst = o + p * n;
      for (int64_t i = 0; i < n; ++i) {
        const size_t k = static_cast<size_t>(i) * 4;
        const A mk = mask[static_cast<size_t>(i)];
        if (bilinear) {
          A v = 0;
          for (int c = 0; c < 4; ++c)
            if (idx[k + c] >= 0) v += wts[k + c] * static_cast<A>(plane[idx[k + c]]);
          // torchvision blends the zero-padded sample with the fill by the interpolated mask.
          dst[i] = round_store<T>(v * mk + (A(1) - mk) * fill);
        } else {
          dst[i] = mk < A(0.5) ? round_store<T>(fill) : plane[idx[k]];
        }
      }
    }
  });
  return out;
}

// The centre in torchvision's tensor convention: offset from the image centre.
std::array<double, 2> centre_offset(const Tensor& img, const WarpOptions& options) {
  if (!options.center) return {0.0, 0.0};
  return {(*options.center)[0] - static_cast<double>(img.size(-1)) * 0.5,
          (*options.center)[1] - static_cast<double>(img.size(-2)) * 0.5};
}

}  // namespace

Tensor rotate(const Tensor& img, double angle, const WarpOptions& options) {
  check_image(img, "rotate");
  STRATA_CHECK(std::isfinite(angle), "rotate: angle must be finite, got {}", angle);
  // torchvision's rotate is counter-clockwise while the matrix helper is clockwise: hence -angle.
  return warp(img, inverse_affine_matrix(centre_offset(img, options), -angle, {0.0, 0.0}, 1.0, {0.0, 0.0}),
              options, "rotate");
}

Tensor affine(const Tensor& img, double angle, std::array<double, 2> translate, double scale,
              std::array<double, 2> shear, const WarpOptions& options) {
  check_image(img, "affine");
  STRATA_CHECK(scale > 0.0 && std::isfinite(scale), "affine: scale must be positive, got {}", scale);
  STRATA_CHECK(std::isfinite(angle) && std::isfinite(shear[0]) && std::isfinite(shear[1]) &&
                   std::isfinite(translate[0]) && std::isfinite(translate[1]),
               "affine: angle {}, translate ({}, {}) and shear ({}, {}) must be finite", angle, translate[0],
               translate[1], shear[0], shear[1]);
  return warp(img, inverse_affine_matrix(centre_offset(img, options), angle, translate, scale, shear),
              options, "affine");
}

// ---- colour ------------------------------------------------------------------------------------------

namespace {

// Luma of one pixel in A, as torchvision: 0.2989 r + 0.587 g + 0.114 b.
template <typename A>
inline A luma(A r, A g, A b) {
  return A(0.2989) * r + A(0.587) * g + A(0.114) * b;
}

// Grey plane of each RGB image (stored in T like torchvision's rgb_to_grayscale: u8 truncates).
template <typename T>
void grey_planes(const T* in, T* out, int64_t batch, int64_t hw) {
  using A = Acc<T>;
  for (int64_t n = 0; n < batch; ++n) {
    const T* r = in + n * 3 * hw;
    const T* g = r + hw;
    const T* b = g + hw;
    T* o = out + n * hw;
    for (int64_t i = 0; i < hw; ++i)
      o[i] = truncate_store<T>(luma(static_cast<A>(r[i]), static_cast<A>(g[i]), static_cast<A>(b[i])));
  }
}

// (ratio * a + (1 - ratio) * b).clamp(0, max) stored like torchvision's _blend (u8 truncates).
template <typename T>
inline T blend(Acc<T> ratio, Acc<T> rest, Acc<T> a, Acc<T> b) {
  using A = Acc<T>;
  const A v = std::clamp(ratio * a + rest * b, A(0), static_cast<A>(detail::max_value<T>()));
  return truncate_store<T>(v);
}

void check_factor(const char* op, double factor) {
  STRATA_CHECK(factor >= 0.0 && std::isfinite(factor), "{}: factor must be non-negative, got {}", op, factor);
}

}  // namespace

Tensor rgb_to_grayscale(const Tensor& img, int num_output_channels) {
  const auto [batch, c, h, w] = color_dims(img, "rgb_to_grayscale");
  STRATA_CHECK(num_output_channels == 1 || num_output_channels == 3,
               "rgb_to_grayscale: num_output_channels must be 1 or 3, got {}", num_output_channels);
  const Tensor src = contiguous(img);
  Shape shape = src.shape();
  shape[shape.size() - 3] = num_output_channels;
  Tensor out = kernels::empty(shape, src.dtype(), kCPU);
  const int64_t hw = h * w;
  dispatch_image(src.dtype(), "rgb_to_grayscale", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    std::vector<T> grey(static_cast<size_t>(batch * hw));
    if (c == 3)
      grey_planes(in, grey.data(), batch, hw);
    else
      std::copy(in, in + batch * hw, grey.begin());
    for (int64_t n = 0; n < batch; ++n)
      for (int k = 0; k < num_output_channels; ++k)
        std::copy(grey.begin() + n * hw, grey.begin() + (n + 1) * hw, o + (n * num_output_channels + k) * hw);
  });
  return out;
}

Tensor adjust_brightness(const Tensor& img, double factor) {
  color_dims(img, "adjust_brightness");
  check_factor("adjust_brightness", factor);
  const Tensor src = contiguous(img);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const int64_t n = src.numel();
  dispatch_image(src.dtype(), "adjust_brightness", [&]<typename T>() {
    using A = Acc<T>;
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    const auto ratio = static_cast<A>(factor), rest = static_cast<A>(1.0 - factor);
    for (int64_t i = 0; i < n; ++i) o[i] = blend<T>(ratio, rest, static_cast<A>(in[i]), A(0));
  });
  return out;
}

Tensor adjust_contrast(const Tensor& img, double factor) {
  const auto [batch, c, h, w] = color_dims(img, "adjust_contrast");
  check_factor("adjust_contrast", factor);
  const Tensor src = contiguous(img);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const int64_t hw = h * w;
  dispatch_image(src.dtype(), "adjust_contrast", [&]<typename T>() {
    using A = Acc<T>;
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    std::vector<T> grey(static_cast<size_t>(hw));
    const auto ratio = static_cast<A>(factor), rest = static_cast<A>(1.0 - factor);
    for (int64_t b = 0; b < batch; ++b) {
      const T* image = in + b * c * hw;
      const T* g = image;
      if (c == 3) {
        grey_planes(image, grey.data(), 1, hw);
        g = grey.data();
      }
      double sum = 0.0;
      for (int64_t i = 0; i < hw; ++i) sum += static_cast<double>(g[i]);
      const auto mean = static_cast<A>(hw > 0 ? sum / static_cast<double>(hw) : 0.0);
      T* dst = o + b * c * hw;
      for (int64_t i = 0; i < c * hw; ++i) dst[i] = blend<T>(ratio, rest, static_cast<A>(image[i]), mean);
    }
  });
  return out;
}

Tensor adjust_saturation(const Tensor& img, double factor) {
  const auto [batch, c, h, w] = color_dims(img, "adjust_saturation");
  check_factor("adjust_saturation", factor);
  if (c == 1) return img;
  const Tensor src = contiguous(img);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const int64_t hw = h * w;
  dispatch_image(src.dtype(), "adjust_saturation", [&]<typename T>() {
    using A = Acc<T>;
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    std::vector<T> grey(static_cast<size_t>(hw));
    const auto ratio = static_cast<A>(factor), rest = static_cast<A>(1.0 - factor);
    for (int64_t b = 0; b < batch; ++b) {
      grey_planes(in + b * 3 * hw, grey.data(), 1, hw);
      for (int64_t ch = 0; ch < 3; ++ch) {
        const T* plane = in + (b * 3 + ch) * hw;
        T* dst = o + (b * 3 + ch) * hw;
        for (int64_t i = 0; i < hw; ++i)
          dst[i] =
              blend<T>(ratio, rest, static_cast<A>(plane[i]), static_cast<A>(grey[static_cast<size_t>(i)]));
      }
    }
  });
  return out;
}

Tensor adjust_hue(const Tensor& img, double factor) {
  const auto [batch, c, h, w] = color_dims(img, "adjust_hue");
  STRATA_CHECK(factor >= -0.5 && factor <= 0.5, "adjust_hue: factor must be in [-0.5, 0.5], got {}", factor);
  if (c == 1) return img;
  const Tensor src = contiguous(img);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const int64_t hw = h * w;
  dispatch_image(src.dtype(), "adjust_hue", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    using A = Acc<T>;
    const auto hue = static_cast<A>(factor);
    // torchvision goes through HSV in the image's float type (u8: x / 255 in f32, back as x * 255 truncated).
    auto load = [](T v) -> A {
      if constexpr (std::is_same_v<T, uint8_t>)
        return static_cast<A>(v) / A(255);
      else
        return v;
    };
    auto store = [](A v) -> T {
      if constexpr (std::is_same_v<T, uint8_t>)
        return static_cast<uint8_t>(v * A(255));
      else
        return v;
    };
    for (int64_t b = 0; b < batch; ++b) {
      const T* rp = in + b * 3 * hw;
      T* op = o + b * 3 * hw;
      for (int64_t i = 0; i < hw; ++i) {
        const A r = load(rp[i]), g = load(rp[hw + i]), bl = load(rp[2 * hw + i]);
        // _rgb2hsv
        const A maxc = std::max({r, g, bl}), minc = std::min({r, g, bl});
        const bool eqc = maxc == minc;
        const A cr = maxc - minc;
        const A s = cr / (eqc ? A(1.0) : maxc);
        const A div = eqc ? A(1.0) : cr;
        const A rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - bl) / div;
        const A hr = maxc == r ? bc - gc : A(0.0);
        const A hg = (maxc == g && maxc != r) ? A(2.0) + rc - bc : A(0.0);
        const A hb = (maxc != g && maxc != r) ? A(4.0) + gc - rc : A(0.0);
        A hh = std::fmod((hr + hg + hb) / A(6.0) + A(1.0), A(1.0));
        // (h + factor) % 1.0 with Python's sign convention (torch.remainder).
        const A shifted = hh + hue;
        hh = shifted - std::floor(shifted / A(1.0)) * A(1.0);
        // _hsv2rgb
        const A v = maxc;
        const A fi = std::floor(hh * A(6.0));
        const A f = hh * A(6.0) - fi;
        const int sector = ((static_cast<int>(fi) % 6) + 6) % 6;
        const A p = std::clamp(v * (A(1.0) - s), A(0.0), A(1.0));
        const A q = std::clamp(v * (A(1.0) - s * f), A(0.0), A(1.0));
        const A t = std::clamp(v * (A(1.0) - s * (A(1.0) - f)), A(0.0), A(1.0));
        A outr, outg, outb;
        switch (sector) {
          case 0:
            outr = v, outg = t, outb = p;
            break;
          case 1:
            outr = q, outg = v, outb = p;
            break;
          case 2:
            outr = p, outg = v, outb = t;
            break;
          case 3:
            outr = p, outg = q, outb = v;
            break;
          case 4:
            outr = t, outg = p, outb = v;
            break;
          default:
            outr = v, outg = p, outb = q;
            break;
        }
        op[i] = store(outr);
        op[hw + i] = store(outg);
        op[2 * hw + i] = store(outb);
      }
    }
  });
  return out;
}

// ---- blur, erase, normalize --------------------------------------------------------------------------

Tensor gaussian_blur(const Tensor& img, std::array<int64_t, 2> kernel_size, std::array<double, 2> sigma) {
  check_image(img, "gaussian_blur");
  for (int64_t k : kernel_size)
    STRATA_CHECK(k > 0 && k % 2 == 1, "gaussian_blur: kernel size ({}, {}) must be odd and positive",
                 kernel_size[0], kernel_size[1]);
  for (double s : sigma)
    STRATA_CHECK(s > 0.0 && std::isfinite(s), "gaussian_blur: sigma ({}, {}) must be positive", sigma[0],
                 sigma[1]);
  const Tensor src = contiguous(img);
  const auto [planes, h, w] = planes_of(src);
  const int64_t px = kernel_size[0] / 2, py = kernel_size[1] / 2;
  STRATA_CHECK(
      px < w && py < h,
      "gaussian_blur: kernel size ({}, {}) needs an image larger than half the kernel (reflect padding), "
      "got shape {}",
      kernel_size[0], kernel_size[1], img.shape().str());
  // 1-D kernels in f32 as torchvision builds them: exp(-x^2 / 2 sigma^2) at linspace(-k/2, k/2), normalised.
  auto kernel1d = [](int64_t k, double s) {
    std::vector<float> kern(static_cast<size_t>(k));
    const float half = static_cast<float>(k - 1) * 0.5f;
    const float step = k > 1 ? (2.0f * half) / static_cast<float>(k - 1) : 0.0f;
    float sum = 0.0f;
    for (int64_t i = 0; i < k; ++i) {
      const float x =
          (i < k / 2) ? -half + step * static_cast<float>(i) : half - step * static_cast<float>(k - 1 - i);
      const float z = x / static_cast<float>(s);
      kern[static_cast<size_t>(i)] = std::exp(-0.5f * z * z);
      sum += kern[static_cast<size_t>(i)];
    }
    for (float& v : kern) v /= sum;
    return kern;
  };
  const std::vector<float> kx = kernel1d(kernel_size[0], sigma[0]), ky = kernel1d(kernel_size[1], sigma[1]);
  const std::vector<int64_t> cols = pad_map(w, px, px, PaddingMode::Reflect);
  const std::vector<int64_t> rows = pad_map(h, py, py, PaddingMode::Reflect);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  dispatch_image(src.dtype(), "gaussian_blur", [&]<typename T>() {
    using A = Acc<T>;
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    std::vector<A> tmp(static_cast<size_t>(h * w));
    const auto nkx = static_cast<int64_t>(kx.size()), nky = static_cast<int64_t>(ky.size());
    for (int64_t p = 0; p < planes; ++p) {
      const T* plane = in + p * h * w;
      for (int64_t y = 0; y < h; ++y) {
        const T* row = plane + y * w;
        for (int64_t x = 0; x < w; ++x) {
          A acc = 0;
          for (int64_t k = 0; k < nkx; ++k)
            acc += static_cast<A>(kx[static_cast<size_t>(k)]) *
                   static_cast<A>(row[cols[static_cast<size_t>(x + k)]]);
          tmp[static_cast<size_t>(y * w + x)] = acc;
        }
      }
      T* dst = o + p * h * w;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          A acc = 0;
          for (int64_t k = 0; k < nky; ++k)
            acc += static_cast<A>(ky[static_cast<size_t>(k)]) *
                   tmp[static_cast<size_t>(rows[static_cast<size_t>(y + k)] * w + x)];
          dst[y * w + x] = round_store<T>(acc);
        }
    }
  });
  return out;
}

namespace {

void check_erase_box(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width) {
  const int64_t h = img.size(-2), w = img.size(-1);
  STRATA_CHECK(top >= 0 && left >= 0 && height >= 0 && width >= 0 && top + height <= h && left + width <= w,
               "erase: box (top {}, left {}, height {}, width {}) is not inside the image of shape {}", top,
               left, height, width, img.shape().str());
}

}  // namespace

Tensor erase(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
             const std::vector<double>& value) {
  check_image(img, "erase", 3);
  check_erase_box(img, top, left, height, width);
  const int64_t c = img.size(-3);
  STRATA_CHECK(value.size() == 1 || static_cast<int64_t>(value.size()) == c,
               "erase: value has {} entries but the image of shape {} has {} channels", value.size(),
               img.shape().str(), c);
  Tensor out = img.clone();
  const auto [planes, h, w] = planes_of(out);
  dispatch_image(out.dtype(), "erase", [&]<typename T>() {
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t p = 0; p < planes; ++p) {
      const T v = truncate_store<T>(
          static_cast<Acc<T>>(value.size() == 1 ? value[0] : value[static_cast<size_t>(p % c)]));
      for (int64_t y = top; y < top + height; ++y)
        std::fill(o + (p * h + y) * w + left, o + (p * h + y) * w + left + width, v);
    }
  });
  return out;
}

Tensor erase(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
             const Tensor& values) {
  check_image(img, "erase", 3);
  check_erase_box(img, top, left, height, width);
  const int64_t c = img.size(-3);
  STRATA_CHECK(values.defined() && values.dim() == 3 && values.size(0) == c && values.size(1) == height &&
                   values.size(2) == width,
               "erase: values of shape {} do not match the box [{}, {}, {}] of the image of shape {}",
               values.defined() ? values.shape().str() : "(undefined)", c, height, width, img.shape().str());
  Tensor out = img.clone();
  const Tensor v = values.to(kFloat64).contiguous();
  const double* vp = v.data_ptr<double>();
  const auto [planes, h, w] = planes_of(out);
  dispatch_image(out.dtype(), "erase", [&]<typename T>() {
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t p = 0; p < planes; ++p) {
      const double* src = vp + (p % c) * height * width;
      for (int64_t y = 0; y < height; ++y)
        for (int64_t x = 0; x < width; ++x)
          o[(p * h + top + y) * w + left + x] = truncate_store<T>(static_cast<Acc<T>>(src[y * width + x]));
    }
  });
  return out;
}

Tensor normalize(const Tensor& img, const std::vector<double>& mean, const std::vector<double>& std) {
  check_image(img, "normalize", 3);
  STRATA_CHECK(img.is_floating_point(),
               "normalize: expects a floating image, got {} of shape {} (convert to f32 first)",
               dtype_name(img.dtype()), img.shape().str());
  const int64_t c = img.size(-3);
  STRATA_CHECK((mean.size() == 1 || static_cast<int64_t>(mean.size()) == c) &&
                   (std.size() == 1 || static_cast<int64_t>(std.size()) == c),
               "normalize: mean [{}] and std [{}] need 1 or {} values for the image of shape {}",
               fmt::join(mean, ", "), fmt::join(std, ", "), c, img.shape().str());
  for (double s : std) STRATA_CHECK(s != 0.0, "normalize: std [{}] contains a zero", fmt::join(std, ", "));
  const Tensor src = contiguous(img);
  Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
  const auto [planes, h, w] = planes_of(src);
  detail::dispatch_image_float(src.dtype(), "normalize", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    const int64_t hw = h * w;
    for (int64_t p = 0; p < planes; ++p) {
      const auto ch = static_cast<size_t>(p % c);
      const auto m = static_cast<T>(mean.size() == 1 ? mean[0] : mean[ch]);
      const auto s = static_cast<T>(std.size() == 1 ? std[0] : std[ch]);
      for (int64_t i = 0; i < hw; ++i) o[p * hw + i] = (in[p * hw + i] - m) / s;
    }
  });
  return out;
}

}  // namespace strata::data::image
