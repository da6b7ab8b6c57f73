// STFT, ISTFT and spectrogram against torch.stft / torch.istft / torchaudio
// (tests/fixtures/audio_stft.safetensors, from scripts/gen_fixtures_audio.py).
#include "golden_util.h"
#include "strata/audio/stft.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// f32 results sum n_fft rounded products (a DFT by matmul, PyTorch's by FFT).
Tensor widened(Case& c, const Tensor& out) {
  if (c.name().ends_with("_f32")) c.widen_tolerance(50);
  return out;
}

const std::vector<GoldenCase>& cases() {
  auto hann = [](int64_t n, const Tensor& like) { return audio::hann_window(n, true, like.dtype()); };
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("stft_hann",
                          [hann](Case& c) {
                            const Tensor x = c.in("x");
                            return widened(c, audio::stft(x, 64, {.hop_length = 16, .window = hann(64, x)}));
                          }),
      golden::f64_and_f32("istft_hann",
                          [hann](Case& c) {
                            const Tensor s = c.in("spec");
                            return widened(c, audio::istft(s, 64, {.hop_length = 16, .window = hann(64, s)}));
                          }),
      {{"stft_rect_nocenter",
        [](Case& c) { return audio::stft(c.in("x"), 32, {.hop_length = 8, .center = false}); }},
       {"stft_short_window_normalized",
        [hann](Case& c) {
          const Tensor x = c.in("x");
          return audio::stft(x, 64,
                             {.hop_length = 12, .win_length = 48, .window = hann(48, x), .normalized = true});
        }},
       {"stft_odd",
        [hann](Case& c) {
          const Tensor x = c.in("x");
          return audio::stft(x, 25, {.hop_length = 5, .window = hann(25, x)});
        }},
       {"istft_length",
        [hann](Case& c) {
          const Tensor s = c.in("spec");
          return audio::istft(s, 32, {.hop_length = 8, .window = hann(32, s)}, 120);
        }},
       {"istft_rect_normalized_nocenter",
        [](Case& c) {
          return audio::istft(c.in("spec"), 16, {.hop_length = 4, .center = false, .normalized = true});
        }},
       {"spectrogram_power1",
        [hann](Case& c) {
          const Tensor x = c.in("x");
          return audio::spectrogram(x, 64, {.hop_length = 16, .window = hann(64, x)}, 1.0);
        }},
       {"spectrogram_power2_f32",
        [hann](Case& c) {
          const Tensor x = c.in("x");
          return widened(c, audio::spectrogram(x, 64, {.hop_length = 16, .window = hann(64, x)}, 2.0));
        }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(AudioStftGolden, "audio_stft.safetensors", cases);

}  // namespace
}  // namespace strata
