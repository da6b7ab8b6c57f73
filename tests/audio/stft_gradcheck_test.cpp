// Gradient checks of the audio feature transforms: STFT, ISTFT, spectrogram, mel, MFCC and resampling
// (all compositions of differentiable ops, checked end to end in f64).
#include "strata/audio/mel.h"
#include "strata/audio/resample.h"
#include "strata/audio/stft.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using Inputs = std::vector<Tensor>;

TEST(AudioGradcheck, Stft) {
  auto f = [](const Inputs& x) {
    return audio::stft(x[0], 16, {.hop_length = 4, .window = audio::hann_window(16, true, kFloat64)});
  };
  EXPECT_GRADCHECK(f, input({40}, 1));
  EXPECT_GRADCHECK(f, strided_input({2, 30}, 2));
  auto rect = [](const Inputs& x) { return audio::stft(x[0], 9, {.hop_length = 3, .center = false}); };
  EXPECT_GRADCHECK(rect, input({30}, 3));
}

TEST(AudioGradcheck, Istft) {
  auto f = [](const Inputs& s) {
    return audio::istft(s[0], 16, {.hop_length = 4, .window = audio::hann_window(16, true, kFloat64)});
  };
  EXPECT_GRADCHECK(f, input({2, 9, 6, 2}, 4));
}

TEST(AudioGradcheck, MelAndMfcc) {
  const audio::MelSpectrogramOptions o{.sample_rate = 8000, .n_fft = 32, .hop_length = 8, .n_mels = 6};
  EXPECT_GRADCHECK([&](const Inputs& x) { return audio::mel_spectrogram(x[0], o); }, input({64}, 5));
  EXPECT_GRADCHECK([&](const Inputs& x) { return audio::log_mel_spectrogram(x[0], o); }, input({64}, 6));
  EXPECT_GRADCHECK([&](const Inputs& x) { return audio::mfcc(x[0], {.n_mfcc = 4, .mel = o}); },
                   input({64}, 7));
}

TEST(AudioGradcheck, Resample) {
  EXPECT_GRADCHECK([](const Inputs& x) { return audio::resample(x[0], 3, 2); }, input({2, 40}, 8));
  EXPECT_GRADCHECK([](const Inputs& x) { return audio::resample(x[0], 2, 3); }, strided_input({2, 30}, 9));
}

}  // namespace
}  // namespace strata
