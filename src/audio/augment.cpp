// Augmentation: masks are drawn from the caller's generator (a seeded run repeats exactly) and applied with
// a multiply-and-add so gradients still pass outside the mask.
#include "strata/audio/augment.h"

#include <cmath>
#include <random>

#include "strata/audio/resample.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::audio {

Tensor mask_along_axis(const Tensor& spec, int64_t max_width, int64_t dim, Generator& generator,
                       double mask_value) {
  STRATA_CHECK(spec.defined() && spec.dim() >= 2 && spec.is_floating_point(),
               "mask_along_axis: spec must be a floating [..., freq, time] tensor, got {}",
               spec.defined() ? spec.shape().str() : "undefined");
  STRATA_CHECK(max_width >= 0, "mask_along_axis: max_width must be non-negative, got {}", max_width);
  const int64_t d = dim < 0 ? dim + spec.dim() : dim;
  STRATA_CHECK(d >= 0 && d < spec.dim(), "mask_along_axis: dim {} out of range for shape {}", dim,
               spec.shape().str());
  const int64_t size = spec.size(d);
  int64_t width = 0, start = 0;
  {
    std::lock_guard lock(generator.mutex());
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double value = u(generator.engine()) * static_cast<double>(std::min(max_width, size));
    const double min_value = u(generator.engine()) * (static_cast<double>(size) - value);
    start = static_cast<int64_t>(min_value);
    width = static_cast<int64_t>(value);  // torchaudio: end = long(min_value) + long(value)
  }
  std::vector<double> keep(static_cast<size_t>(size), 1.0);
  for (int64_t i = start; i < start + width; ++i) keep[static_cast<size_t>(i)] = 0.0;
  Shape shape(std::vector<int64_t>(static_cast<size_t>(spec.dim()), 1));
  shape[static_cast<size_t>(d)] = size;
  const Tensor k = from_vector(keep, {size}).to(spec.dtype()).reshape(shape);
  if (mask_value == 0.0) return spec * k;
  return spec * k + (1.0 - k) * mask_value;
}

Tensor frequency_mask(const Tensor& spec, int64_t max_width, Generator& generator, double mask_value) {
  return mask_along_axis(spec, max_width, -2, generator, mask_value);
}

Tensor time_mask(const Tensor& spec, int64_t max_width, Generator& generator, double mask_value) {
  return mask_along_axis(spec, max_width, -1, generator, mask_value);
}

Tensor add_noise(const Tensor& x, double snr_db, Generator& generator) {
  STRATA_CHECK(x.defined() && x.is_floating_point() && x.numel() > 0,
               "add_noise: x must be a non-empty floating tensor");
  STRATA_CHECK(std::isfinite(snr_db), "add_noise: snr_db must be finite, got {}", snr_db);
  const Tensor noise = randn(x.shape(), {.dtype = x.dtype()}, &generator);
  const double signal_power = ops::mean(x * x).item();
  const double noise_power = ops::mean(noise * noise).item();
  if (signal_power <= 0.0 || noise_power <= 0.0) return x;
  const double scale = std::sqrt(signal_power / (noise_power * std::pow(10.0, snr_db / 10.0)));
  return x + noise * scale;
}

Tensor speed(const Tensor& x, int64_t sample_rate, double factor) {
  STRATA_CHECK(factor > 0 && std::isfinite(factor), "speed: factor must be positive, got {}", factor);
  const auto orig = static_cast<int64_t>(std::llround(static_cast<double>(sample_rate) * factor));
  return resample(x, orig, sample_rate);
}

}  // namespace strata::audio
