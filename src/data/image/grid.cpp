#include "strata/data/image/grid.h"

#include <algorithm>
#include <cmath>

#include "data/image/image_util.h"
#include "kernels/elementwise.h"
#include "strata/data/image/io.h"

namespace strata::data::image {
namespace {

// One image as f32 [C, H, W] in [0, 1] (u8 / 255; floats clamped or stretched by options.normalize).
std::vector<float> to_unit(const Tensor& img, bool normalize, int64_t index) {
  const Tensor src = img.contiguous();
  const int64_t c = src.size(0), hw = src.size(1) * src.size(2);
  std::vector<float> v(static_cast<size_t>(c * hw));
  detail::dispatch_image(src.dtype(), "make_grid", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    for (int64_t i = 0; i < c * hw; ++i) {
      if constexpr (std::is_same_v<T, uint8_t>)
        v[static_cast<size_t>(i)] = static_cast<float>(in[i]) / 255.0f;
      else
        v[static_cast<size_t>(i)] = static_cast<float>(in[i]);
    }
  });
  // Colour channels only: alpha (channel 1 of 2, 3 of 4) stays as it is.
  const int64_t colour = (c == 2 || c == 4) ? c - 1 : c;
  if (normalize) {
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < colour * hw; ++i) {
      lo = std::min(lo, v[static_cast<size_t>(i)]);
      hi = std::max(hi, v[static_cast<size_t>(i)]);
    }
    STRATA_CHECK(std::isfinite(lo) && std::isfinite(hi), "make_grid: image {} holds non-finite values",
                 index);
    const float range = hi > lo ? hi - lo : 1.0f;
    for (int64_t i = 0; i < colour * hw; ++i)
      v[static_cast<size_t>(i)] = (v[static_cast<size_t>(i)] - lo) / range;
  }
  for (float& x : v) x = std::isnan(x) ? 0.0f : std::clamp(x, 0.0f, 1.0f);
  return v;
}

}  // namespace

Tensor make_grid(const std::vector<Tensor>& images, int64_t ncols, const GridOptions& options) {
  STRATA_CHECK(!images.empty(), "make_grid: no images given");
  STRATA_CHECK(ncols > 0, "make_grid: ncols must be positive, got {}", ncols);
  STRATA_CHECK(options.padding >= 0 && options.scale >= 1,
               "make_grid: padding ({}) must be non-negative and scale ({}) at least 1", options.padding,
               options.scale);
  STRATA_CHECK(options.pad_value >= 0.0 && options.pad_value <= 1.0,
               "make_grid: pad_value must be in [0, 1], got {}", options.pad_value);
  std::vector<Tensor> chw;
  int64_t cell_h = 0, cell_w = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const Tensor& img = images[i];
    STRATA_CHECK(img.defined() && (img.dim() == 2 || img.dim() == 3),
                 "make_grid: image {} must be [C, H, W] or [H, W], got {}", i,
                 img.defined() ? img.shape().str() : "an undefined tensor");
    detail::check_image(img, "make_grid");
    const Tensor t = img.dim() == 2 ? img.unsqueeze(0) : img;
    STRATA_CHECK(t.size(0) >= 1 && t.size(0) <= 4,
                 "make_grid: image {} of shape {} must have 1 to 4 channels", i, img.shape().str());
    cell_h = std::max(cell_h, t.size(1) * options.scale);
    cell_w = std::max(cell_w, t.size(2) * options.scale);
    chw.push_back(t);
  }
  const auto n = static_cast<int64_t>(chw.size());
  const int64_t cols = std::min(ncols, n), rows = (n + ncols - 1) / ncols;
  const int64_t pad = options.padding;
  const int64_t gh = rows * (cell_h + pad) + pad, gw = cols * (cell_w + pad) + pad;
  Tensor out = kernels::empty(Shape{3, gh, gw}, kUInt8, kCPU);
  uint8_t* o = out.data_ptr<uint8_t>();
  const auto bg = static_cast<float>(options.pad_value);
  const auto to_byte = [](float v) { return static_cast<uint8_t>(std::lround(v * 255.0f)); };
  std::fill(o, o + 3 * gh * gw, to_byte(bg));
  for (int64_t k = 0; k < n; ++k) {
    const Tensor& t = chw[static_cast<size_t>(k)];
    const int64_t c = t.size(0), h = t.size(1), w = t.size(2), hw = h * w;
    const std::vector<float> v = to_unit(t, options.normalize, k);
    const bool alpha = c == 2 || c == 4;
    const int64_t colour = alpha ? c - 1 : c;
    // Centre the (scaled) image in its cell.
    const int64_t top = pad + (k / ncols) * (cell_h + pad) + (cell_h - h * options.scale) / 2;
    const int64_t left = pad + (k % ncols) * (cell_w + pad) + (cell_w - w * options.scale) / 2;
    for (int64_t y = 0; y < h * options.scale; ++y)
      for (int64_t x = 0; x < w * options.scale; ++x) {
        const int64_t src = (y / options.scale) * w + x / options.scale;
        const float a = alpha ? v[static_cast<size_t>(colour * hw + src)] : 1.0f;
        for (int64_t ch = 0; ch < 3; ++ch) {
          const float value = v[static_cast<size_t>((colour == 1 ? 0 : ch) * hw + src)];
          o[(ch * gh + top + y) * gw + left + x] = to_byte(value * a + bg * (1.0f - a));
        }
      }
  }
  return out;
}

void save_grid(const std::string& path, const std::vector<Tensor>& images, int64_t ncols,
               const GridOptions& options) {
  write_image(path, make_grid(images, ncols, options));
}

}  // namespace strata::data::image
