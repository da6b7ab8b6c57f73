// Mel features: filter bank and DCT matrices computed in double (as torchaudio's formulas), then applied
// with matmul so gradients flow back to the waveform.
#include "strata/audio/mel.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "strata/audio/stft.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::audio {
namespace {

constexpr double kSlaneyMinLogHz = 1000.0;
constexpr double kSlaneyStep = 200.0 / 3.0;

double hz_to_mel(double f, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + f / 700.0);
  const double min_log_mel = kSlaneyMinLogHz / kSlaneyStep;
  if (f < kSlaneyMinLogHz) return f / kSlaneyStep;
  return min_log_mel + std::log(f / kSlaneyMinLogHz) / (std::log(6.4) / 27.0);
}

double mel_to_hz(double m, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
  const double min_log_mel = kSlaneyMinLogHz / kSlaneyStep;
  if (m < min_log_mel) return kSlaneyStep * m;
  return kSlaneyMinLogHz * std::exp(std::log(6.4) / 27.0 * (m - min_log_mel));
}

// torch.linspace(start, end, steps) in double: the first half counts up from start, the second down from
// end, as PyTorch's kernel does.
std::vector<double> linspace(double start, double end, int64_t steps) {
  std::vector<double> v(static_cast<size_t>(steps));
  if (steps == 1) {
    v[0] = start;
    return v;
  }
  const double step = (end - start) / static_cast<double>(steps - 1);
  const int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    v[static_cast<size_t>(i)] =
        i < half ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - i - 1);
  return v;
}

}  // namespace

Tensor melscale_fbanks(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate,
                       MelNorm norm, MelScale mel_scale, Dtype dtype) {
  STRATA_CHECK(n_freqs >= 1 && n_mels >= 1 && sample_rate >= 1,
               "melscale_fbanks: n_freqs {}, n_mels {} and sample_rate {} must be positive", n_freqs, n_mels,
               sample_rate);
  STRATA_CHECK(f_min >= 0 && f_max > f_min,
               "melscale_fbanks: need 0 <= f_min < f_max, got f_min {} and f_max {}", f_min, f_max);
  const auto all_freqs = linspace(0.0, static_cast<double>(sample_rate / 2), n_freqs);
  const auto m_pts = linspace(hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale), n_mels + 2);
  std::vector<double> f_pts(m_pts.size());
  for (size_t i = 0; i < m_pts.size(); ++i) f_pts[i] = mel_to_hz(m_pts[i], mel_scale);
  std::vector<double> fb(static_cast<size_t>(n_freqs * n_mels));
  for (int64_t f = 0; f < n_freqs; ++f)
    for (int64_t m = 0; m < n_mels; ++m) {
      const auto M = static_cast<size_t>(m);
      const double down = -(f_pts[M] - all_freqs[static_cast<size_t>(f)]) / (f_pts[M + 1] - f_pts[M]);
      const double up = (f_pts[M + 2] - all_freqs[static_cast<size_t>(f)]) / (f_pts[M + 2] - f_pts[M + 1]);
      double v = std::max(0.0, std::min(down, up));
      if (norm == MelNorm::Slaney) v *= 2.0 / (f_pts[M + 2] - f_pts[M]);
      fb[static_cast<size_t>(f * n_mels + m)] = v;
    }
  return from_vector(fb, {n_freqs, n_mels}).to(dtype);
}

Tensor create_dct(int64_t n_mfcc, int64_t n_mels, bool ortho, Dtype dtype) {
  STRATA_CHECK(n_mfcc >= 1 && n_mels >= 1, "create_dct: n_mfcc {} and n_mels {} must be positive", n_mfcc,
               n_mels);
  std::vector<double> d(static_cast<size_t>(n_mels * n_mfcc));
  for (int64_t n = 0; n < n_mels; ++n)
    for (int64_t k = 0; k < n_mfcc; ++k) {
      double v = std::cos(std::numbers::pi / static_cast<double>(n_mels) * (static_cast<double>(n) + 0.5) *
                          static_cast<double>(k));
      if (!ortho) {
        v *= 2.0;
      } else {
        if (k == 0) v *= 1.0 / std::sqrt(2.0);
        v *= std::sqrt(2.0 / static_cast<double>(n_mels));
      }
      d[static_cast<size_t>(n * n_mfcc + k)] = v;
    }
  return from_vector(d, {n_mels, n_mfcc}).to(dtype);
}

Tensor mel_spectrogram(const Tensor& x, const MelSpectrogramOptions& o) {
  const int64_t win = o.win_length > 0 ? o.win_length : o.n_fft;
  const int64_t hop = o.hop_length > 0 ? o.hop_length : std::max<int64_t>(win / 2, 1);
  STRATA_CHECK(x.defined() && x.is_floating_point(), "mel_spectrogram: x must be a floating tensor");
  const Tensor spec = spectrogram(x, o.n_fft,
                                  {.hop_length = hop,
                                   .win_length = win,
                                   .window = hann_window(win, true, x.dtype()),
                                   .center = o.center,
                                   .normalized = o.normalized},
                                  o.power);
  const double f_max = o.f_max > 0 ? o.f_max : static_cast<double>(o.sample_rate) / 2.0;
  const Tensor fb = melscale_fbanks(o.n_fft / 2 + 1, o.f_min, f_max, o.n_mels, o.sample_rate, o.norm,
                                    o.mel_scale, x.dtype());
  return ops::matmul(spec.transpose(-1, -2), fb).transpose(-1, -2);
}

Tensor amplitude_to_db(const Tensor& x, double multiplier, double amin, double db_multiplier,
                       std::optional<double> top_db) {
  STRATA_CHECK(x.defined() && x.dim() >= 2 && x.is_floating_point(),
               "amplitude_to_db: x must be a floating [..., freq, time] tensor, got {}",
               x.defined() ? x.shape().str() : "undefined");
  STRATA_CHECK(amin > 0, "amplitude_to_db: amin must be positive, got {}", amin);
  Tensor db = ops::log(ops::clamp(x, amin, std::nullopt)) * (multiplier / std::numbers::ln10);
  if (db_multiplier != 0.0) db = db - multiplier * db_multiplier;
  if (!top_db) return db;
  STRATA_CHECK(*top_db >= 0, "amplitude_to_db: top_db must be non-negative, got {}", *top_db);
  // Each spectrogram (the last three dims, or two for a single one) is floored at its own max - top_db.
  const Shape shape = db.shape();
  const int64_t packed = db.dim() > 2 ? db.size(-3) : 1;
  const Tensor grouped = db.reshape({-1, packed, db.size(-2), db.size(-1)});
  const Tensor floor = (ops::amax(grouped, {1, 2, 3}) - *top_db).reshape({-1, 1, 1, 1});
  return ops::maximum(grouped, floor).reshape(shape);
}

Tensor log_mel_spectrogram(const Tensor& x, const MelSpectrogramOptions& options,
                           std::optional<double> top_db) {
  return amplitude_to_db(mel_spectrogram(x, options), 10.0, 1e-10, 0.0, top_db);
}

Tensor mfcc(const Tensor& x, const MfccOptions& o) {
  STRATA_CHECK(o.n_mfcc <= o.mel.n_mels, "mfcc: n_mfcc {} exceeds n_mels {}", o.n_mfcc, o.mel.n_mels);
  const Tensor mel = mel_spectrogram(x, o.mel);
  const Tensor feats = o.log_mels ? ops::log(mel + 1e-6) : amplitude_to_db(mel, 10.0, 1e-10, 0.0, 80.0);
  return ops::matmul(feats.transpose(-1, -2), create_dct(o.n_mfcc, o.mel.n_mels, true, x.dtype()))
      .transpose(-1, -2);
}

}  // namespace strata::audio
