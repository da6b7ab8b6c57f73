// Polyphase resampling: after dividing both rates by their gcd, output phase i of every block of new_freq
// samples is a dot product of the input with its own windowed-sinc kernel; all phases are the output
// channels of one strided conv1d, interleaved afterwards (torchaudio's construction, so results match).
#include "strata/audio/resample.h"

#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "strata/core/factory.h"
#include "strata/ops/conv.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::audio {

Tensor resample(const Tensor& x, int64_t orig_freq, int64_t new_freq, const ResampleOptions& options) {
  STRATA_CHECK(x.defined() && x.dim() >= 1 && x.is_floating_point(),
               "resample: x must be a floating [..., time] tensor, got {}",
               x.defined() ? fmt::format("{} {}", dtype_name(x.dtype()), x.shape().str()) : "undefined");
  STRATA_CHECK(orig_freq > 0 && new_freq > 0, "resample: frequencies must be positive, got {} -> {}",
               orig_freq, new_freq);
  STRATA_CHECK(options.lowpass_filter_width > 0, "resample: lowpass_filter_width must be positive, got {}",
               options.lowpass_filter_width);
  STRATA_CHECK(options.rolloff > 0 && options.rolloff <= 1, "resample: rolloff must be in (0, 1], got {}",
               options.rolloff);
  if (orig_freq == new_freq) return x;
  const int64_t g = std::gcd(orig_freq, new_freq);
  const int64_t orig = orig_freq / g, out_rate = new_freq / g;
  const double base = static_cast<double>(std::min(orig, out_rate)) * options.rolloff;
  const auto lw = static_cast<double>(options.lowpass_filter_width);
  const auto width = static_cast<int64_t>(std::ceil(lw * static_cast<double>(orig) / base));
  const int64_t taps = 2 * width + orig;
  const double scale = base / static_cast<double>(orig);
  std::vector<double> kernel(static_cast<size_t>(out_rate * taps));
  for (int64_t i = 0; i < out_rate; ++i)
    for (int64_t j = 0; j < taps; ++j) {
      double t = (-static_cast<double>(i) / static_cast<double>(out_rate) +
                  static_cast<double>(j - width) / static_cast<double>(orig)) *
                 base;
      t = std::clamp(t, -lw, lw);
      const double c = std::cos(t * std::numbers::pi / lw / 2.0);
      const double window = c * c;
      t *= std::numbers::pi;
      const double sinc = t == 0.0 ? 1.0 : std::sin(t) / t;
      kernel[static_cast<size_t>(i * taps + j)] = sinc * (window * scale);
    }
  const Shape shape = x.shape();
  const int64_t length = x.size(-1);
  const Tensor flat = x.reshape({-1, 1, length});
  const Tensor padded = ops::pad(flat, {width, width + orig});
  const Tensor weight = from_vector(kernel, {out_rate, 1, taps}).to(x.dtype());
  Tensor out = ops::conv1d(padded, weight, {}, orig);  // [N, out_rate, blocks]
  out = out.transpose(1, 2).reshape({flat.size(0), -1});
  const auto target = static_cast<int64_t>(
      std::ceil(static_cast<double>(out_rate) * static_cast<double>(length) / static_cast<double>(orig)));
  out = ops::slice(out, 1, 0, std::min(target, out.size(1)));
  Shape out_shape = shape;
  out_shape[out_shape.size() - 1] = out.size(1);
  return out.reshape(out_shape);
}

}  // namespace strata::audio
