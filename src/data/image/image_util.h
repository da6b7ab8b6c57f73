#pragma once
// Shared helpers of the image code: dtype dispatch over the image dtypes, shape checks, rounding back to the
// stored dtype as torchvision does, and portable random draws (hand-written like data/shuffle.h, so a seed
// gives the same numbers with every standard library).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "data/shuffle.h"
#include "kernels/dispatch.h"
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::data::image::detail {

// Calls f.template operator()<T>() for the image dtypes u8, f32 and f64.
template <typename F>
decltype(auto) dispatch_image(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
    case Dtype::UInt8:
      return f.template operator()<uint8_t>();
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    default:
      kernels::unsupported_dtype(op, dtype);
  }
}

// Same for f32 and f64.
template <typename F>
decltype(auto) dispatch_image_float(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    default:
      kernels::unsupported_dtype(op, dtype);
  }
}

// The type pixels are computed in: f64 for f64 images, f32 otherwise (torchvision computes u8 in f32).
template <typename T>
using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Stores a computed value: u8 rounds half to even (torch.round) and saturates, floats are cast.
template <typename T>
inline T round_store(Acc<T> v) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    const float r = std::nearbyint(v);
    return static_cast<uint8_t>(r <= 0.0f ? 0.0f : (r >= 255.0f ? 255.0f : r));
  } else {
    return static_cast<T>(v);
  }
}

// Stores a value already clamped to the dtype's range: u8 truncates (tensor.to(uint8)), floats are cast.
template <typename T>
inline T truncate_store(Acc<T> v) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    return static_cast<uint8_t>(v <= 0.0f ? 0.0f : (v >= 255.0f ? 255.0f : v));
  } else {
    return static_cast<T>(v);
  }
}

// The brightest value of the dtype: 255 for u8, 1 for floats.
template <typename T>
constexpr double max_value() {
  return std::is_same_v<T, uint8_t> ? 255.0 : 1.0;
}

// An image [..., H, W]: `planes` H x W planes.
struct Planes {
  int64_t planes, h, w;
};

// A colour image [..., C, H, W]: `batch` images of C channels.
struct ColorDims {
  int64_t batch, c, h, w;
};

// Checks that img is a defined CPU image of dtype u8/f32/f64 with at least `min_dim` dims.
inline void check_image(const Tensor& img, const char* op, int64_t min_dim = 2) {
  STRATA_CHECK(img.defined(), "{}: image is undefined", op);
  STRATA_CHECK(img.device() == kCPU, "{}: image transforms run on the CPU, got an image on another device",
               op);
  STRATA_CHECK(img.dim() >= min_dim, "{}: expects an image of shape [{}H, W], got shape {}", op,
               min_dim >= 3 ? "..., C, " : "..., ", img.shape().str());
  STRATA_CHECK(img.dtype() == kUInt8 || img.dtype() == kFloat32 || img.dtype() == kFloat64,
               "{}: expects a u8, f32 or f64 image, got {} of shape {}", op, dtype_name(img.dtype()),
               img.shape().str());
}

inline Planes planes_of(const Tensor& img) {
  const int64_t h = img.size(-2), w = img.size(-1);
  return {h * w > 0 ? img.numel() / (h * w) : 0, h, w};
}

// Checks a colour image whose channel count is in `allowed` (1 and/or 3).
inline ColorDims color_dims(const Tensor& img, const char* op, bool allow_grey = true) {
  check_image(img, op, 3);
  const int64_t c = img.size(-3), h = img.size(-2), w = img.size(-1);
  STRATA_CHECK(c == 3 || (allow_grey && c == 1), "{}: expects {} channels (dim -3), got shape {}", op,
               allow_grey ? "1 or 3" : "3", img.shape().str());
  return {c * h * w > 0 ? img.numel() / (c * h * w) : 0, c, h, w};
}

// The image's shape with the last two dims replaced.
inline Shape with_hw(const Tensor& img, int64_t h, int64_t w) {
  Shape s = img.shape();
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

// The bytes of a file; `who` names the caller in errors (missing file, unreadable).
std::vector<uint8_t> read_file(const std::string& path, const char* who);

// ---- random draws ------------------------------------------------------------------------------------

// Uniform in [0, 1) with 53 random bits.
inline double uniform01(Generator& gen) { return static_cast<double>(gen.engine()() >> 11) * 0x1.0p-53; }
// Uniform in [lo, hi).
inline double uniform(Generator& gen, double lo, double hi) { return lo + (hi - lo) * uniform01(gen); }
// Integer uniform in [lo, hi) (hi > lo).
inline int64_t randint(Generator& gen, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(data::detail::bounded(gen.engine(), static_cast<uint64_t>(hi - lo)));
}
// True with probability p.
inline bool bernoulli(Generator& gen, double p) { return uniform01(gen) < p; }
// Standard normal (Box-Muller; one value per call keeps the stream simple).
inline double normal(Generator& gen) {
  const double u1 = 1.0 - uniform01(gen);  // in (0, 1]: log is finite
  const double u2 = uniform01(gen);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace strata::data::image::detail
