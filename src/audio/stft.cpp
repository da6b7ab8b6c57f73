// STFT as a matmul against a real DFT basis: frames are gathered with one index_select (reflect padding
// folded into the index), windowed, and multiplied by [cos | -sin] columns. For the frame sizes of
// speech features (n_fft <= 1024) this runs on oneDNN's matmul and needs no backward of its own: the
// gradient flows through index_select, mul and matmul. The inverse multiplies by the inverse basis and
// overlap-adds with index_add, then divides by the window envelope, as torch.istft.
#include "strata/audio/stft.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/view.h"

namespace strata::audio {
namespace {

struct Plan {
  int64_t n_fft, hop, win;
  Tensor window;  // [n_fft], in the input's dtype
};

Plan plan(const char* op, int64_t n_fft, const StftOptions& o, Dtype dtype) {
  STRATA_CHECK(n_fft >= 1, "{}: n_fft must be positive, got {}", op, n_fft);
  Plan p{n_fft,
         o.hop_length > 0 ? o.hop_length : std::max<int64_t>(n_fft / 4, 1),
         o.win_length > 0 ? o.win_length : n_fft,
         {}};
  STRATA_CHECK(o.hop_length >= 0, "{}: hop_length must be positive, got {}", op, o.hop_length);
  STRATA_CHECK(p.win <= n_fft, "{}: win_length {} exceeds n_fft {}", op, p.win, n_fft);
  Tensor w = o.window.defined() ? o.window.to(dtype) : ones({p.win}, {.dtype = dtype});
  STRATA_CHECK(w.dim() == 1 && w.size(0) == p.win, "{}: window has shape {}, expected [{}] (win_length)", op,
               w.shape().str(), p.win);
  if (p.win < n_fft) {
    const int64_t left = (n_fft - p.win) / 2;
    w = ops::pad(w, {left, n_fft - p.win - left});
  }
  p.window = w;
  return p;
}

// cos / sin of 2 pi k n / N with k n reduced mod N first, so large products lose no precision.
double angle(int64_t k, int64_t n, int64_t N) {
  return 2.0 * std::numbers::pi * static_cast<double>((k * n) % N) / static_cast<double>(N);
}

// Forward basis [n_fft, 2 * n_freq]: column 2k is cos, 2k + 1 is -sin (real, imaginary of bin k).
Tensor forward_basis(int64_t N, Dtype dtype) {
  const int64_t F = N / 2 + 1;
  std::vector<double> b(static_cast<size_t>(N * 2 * F));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < F; ++k) {
      const double a = angle(k, n, N);
      b[static_cast<size_t>(n * 2 * F + 2 * k)] = std::cos(a);
      b[static_cast<size_t>(n * 2 * F + 2 * k + 1)] = -std::sin(a);
    }
  return from_vector(b, {N, 2 * F}).to(dtype);
}

// Inverse basis [2 * n_freq, n_fft] of a onesided spectrum (irfft: the imaginary parts of the DC and
// Nyquist bins are ignored; the other bins count twice).
Tensor inverse_basis(int64_t N, Dtype dtype) {
  const int64_t F = N / 2 + 1;
  std::vector<double> b(static_cast<size_t>(2 * F * N));
  for (int64_t k = 0; k < F; ++k) {
    const bool single = k == 0 || (N % 2 == 0 && k == N / 2);
    const double c = (single ? 1.0 : 2.0) / static_cast<double>(N);
    for (int64_t n = 0; n < N; ++n) {
      const double a = angle(k, n, N);
      b[static_cast<size_t>(2 * k * N + n)] = c * std::cos(a);
      b[static_cast<size_t>((2 * k + 1) * N + n)] = single ? 0.0 : -c * std::sin(a);
    }
  }
  return from_vector(b, {2 * F, N}).to(dtype);
}

// Reflect index: position i of [-pad, length + pad) folded into [0, length).
int64_t reflect(int64_t i, int64_t length) {
  if (length == 1) return 0;
  const int64_t period = 2 * (length - 1);
  i = ((i % period) + period) % period;
  return i < length ? i : period - i;
}

}  // namespace

Tensor hann_window(int64_t length, bool periodic, Dtype dtype) {
  STRATA_CHECK(length >= 0, "hann_window: length must be non-negative, got {}", length);
  if (length == 1) return ones({1}, {.dtype = dtype});
  std::vector<double> w(static_cast<size_t>(length));
  const double denom = static_cast<double>(periodic ? length : length - 1);
  for (int64_t n = 0; n < length; ++n)
    w[static_cast<size_t>(n)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(n) / denom);
  return from_vector(w, {length}).to(dtype);
}

Tensor stft(const Tensor& x, int64_t n_fft, const StftOptions& options) {
  STRATA_CHECK(x.defined() && (x.dim() == 1 || x.dim() == 2) && x.is_floating_point(),
               "stft: x must be a floating [time] or [batch, time] tensor, got {}",
               x.defined() ? fmt::format("{} {}", dtype_name(x.dtype()), x.shape().str()) : "undefined");
  const Plan p = plan("stft", n_fft, options, x.dtype());
  const Tensor batch = x.dim() == 1 ? x.unsqueeze(0) : x;
  const int64_t length = batch.size(1);
  const int64_t pad = options.center ? n_fft / 2 : 0;
  if (options.center)
    STRATA_CHECK(length > pad, "stft: reflect padding of {} needs more than {} samples, got {} (shape {})",
                 pad, pad, length, x.shape().str());
  const int64_t padded = length + 2 * pad;
  STRATA_CHECK(padded >= n_fft, "stft: {} samples are fewer than n_fft {} (shape {})", padded, n_fft,
               x.shape().str());
  const int64_t frames = 1 + (padded - n_fft) / p.hop;
  std::vector<int64_t> index(static_cast<size_t>(frames * n_fft));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t j = 0; j < n_fft; ++j)
      index[static_cast<size_t>(f * n_fft + j)] = reflect(f * p.hop + j - pad, length);
  Tensor framed = ops::index_select(batch, 1, from_vector(index, {frames * n_fft}))
                      .reshape({batch.size(0), frames, n_fft});
  framed = framed * p.window;
  const int64_t F = n_fft / 2 + 1;
  Tensor spec = ops::matmul(framed, forward_basis(n_fft, x.dtype()));  // [B, frames, 2F]
  if (options.normalized) spec = spec * (1.0 / std::sqrt(static_cast<double>(n_fft)));
  spec = spec.reshape({batch.size(0), frames, F, 2}).transpose(1, 2);  // [B, F, frames, 2]
  return x.dim() == 1 ? spec.squeeze(0) : spec;
}

Tensor istft(const Tensor& spec, int64_t n_fft, const StftOptions& options, std::optional<int64_t> length) {
  const int64_t F = n_fft / 2 + 1;
  STRATA_CHECK(
      spec.defined() && (spec.dim() == 3 || spec.dim() == 4) && spec.is_floating_point() &&
          spec.size(-1) == 2 && spec.size(-3) == F,
      "istft: spec must be floating [(batch,) {}, frames, 2] for n_fft {}, got {}", F, n_fft,
      spec.defined() ? fmt::format("{} {}", dtype_name(spec.dtype()), spec.shape().str()) : "undefined");
  const Plan p = plan("istft", n_fft, options, spec.dtype());
  const Tensor batch = spec.dim() == 3 ? spec.unsqueeze(0) : spec;
  const int64_t B = batch.size(0), frames = batch.size(2);
  STRATA_CHECK(frames >= 1, "istft: spec has no frames (shape {})", spec.shape().str());
  Tensor cols = batch.transpose(1, 2).reshape({B, frames, 2 * F});
  Tensor framed = ops::matmul(cols, inverse_basis(n_fft, spec.dtype()));  // [B, frames, n_fft]
  if (options.normalized) framed = framed * std::sqrt(static_cast<double>(n_fft));
  framed = framed * p.window;
  const int64_t total = n_fft + p.hop * (frames - 1);
  std::vector<int64_t> index(static_cast<size_t>(frames * n_fft));
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t j = 0; j < n_fft; ++j) index[static_cast<size_t>(f * n_fft + j)] = f * p.hop + j;
  Tensor out = ops::index_add(zeros({B, total}, {.dtype = spec.dtype()}), 1,
                              from_vector(index, {frames * n_fft}), framed.reshape({B, frames * n_fft}));
  // Window envelope: sum of squared windows over the frames covering each sample.
  const auto w = p.window.to_vector<double>();
  std::vector<double> envelope(static_cast<size_t>(total), 0.0);
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t j = 0; j < n_fft; ++j) envelope[static_cast<size_t>(f * p.hop + j)] += w[j] * w[j];
  const int64_t start = options.center ? n_fft / 2 : 0;
  // As torch.istft: an explicit length reads on into the padding (up to `total`), then pads with zeros.
  int64_t end = length ? std::min(start + *length, total) : options.center ? total - n_fft / 2 : total;
  STRATA_CHECK(end > start, "istft: {} frames of hop {} leave no samples after trimming", frames, p.hop);
  for (int64_t i = start; i < end; ++i)
    STRATA_CHECK(envelope[static_cast<size_t>(i)] > 1e-11,
                 "istft: window overlap-add is zero at sample {} (window and hop_length {} fail NOLA)",
                 i - start, p.hop);
  out = ops::slice(out, 1, start, end) /
        from_vector(std::vector<double>(envelope.begin() + start, envelope.begin() + end), {end - start})
            .to(spec.dtype());
  if (length && *length > end - start) out = ops::pad(out, {0, *length - (end - start)});
  return spec.dim() == 3 ? out.squeeze(0) : out;
}

Tensor spectrogram(const Tensor& x, int64_t n_fft, const StftOptions& options, double power) {
  STRATA_CHECK(power > 0, "spectrogram: power must be positive, got {}", power);
  const Tensor s = stft(x, n_fft, options);
  const Tensor re = ops::select(s, -1, 0), im = ops::select(s, -1, 1);
  const Tensor energy = re * re + im * im;
  if (power == 2.0) return energy;
  if (power == 1.0) return ops::sqrt(energy);
  return ops::pow(energy, power / 2.0);
}

}  // namespace strata::audio
