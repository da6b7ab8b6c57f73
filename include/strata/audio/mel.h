#pragma once
// Mel filter banks, (log-)mel spectrograms and MFCC, equal to torchaudio's (0.13) functions and
// transforms. Each is written with differentiable ops on top of audio::spectrogram.
#include <optional>
#include <string>

#include "strata/core/tensor.h"

namespace strata::audio {

enum class MelScale { Htk, Slaney };
enum class MelNorm { None, Slaney };

// Triangular filters [n_freqs, n_mels], like torchaudio.functional.melscale_fbanks.
Tensor melscale_fbanks(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate,
                       MelNorm norm = MelNorm::None, MelScale mel_scale = MelScale::Htk,
                       Dtype dtype = kFloat32);

// DCT-II matrix [n_mels, n_mfcc] (orthonormal when `ortho`), like torchaudio.functional.create_dct.
Tensor create_dct(int64_t n_mfcc, int64_t n_mels, bool ortho = true, Dtype dtype = kFloat32);

// torchaudio.transforms.MelSpectrogram's arguments and defaults.
struct MelSpectrogramOptions {
  int64_t sample_rate = 16000;
  int64_t n_fft = 400;
  int64_t win_length = 0;  // 0: n_fft
  int64_t hop_length = 0;  // 0: win_length / 2
  double f_min = 0.0;
  double f_max = 0.0;  // 0: sample_rate / 2
  int64_t n_mels = 128;
  double power = 2.0;
  bool normalized = false;
  bool center = true;
  MelNorm norm = MelNorm::None;
  MelScale mel_scale = MelScale::Htk;
};

// x [(batch,) time] -> [(batch,) n_mels, frames] with a periodic Hann window.
Tensor mel_spectrogram(const Tensor& x, const MelSpectrogramOptions& options = {});

// multiplier * log10(max(x, amin)) - multiplier * db_multiplier, floored at top_db below the maximum of
// each spectrogram, like torchaudio.functional.amplitude_to_DB.
Tensor amplitude_to_db(const Tensor& x, double multiplier = 10.0, double amin = 1e-10,
                       double db_multiplier = 0.0, std::optional<double> top_db = std::nullopt);

// amplitude_to_db(mel_spectrogram(x), top_db): the log-mel features of a power spectrogram, in dB.
Tensor log_mel_spectrogram(const Tensor& x, const MelSpectrogramOptions& options = {},
                           std::optional<double> top_db = 80.0);

// torchaudio.transforms.MFCC's arguments and defaults (DCT-II, orthonormal).
struct MfccOptions {
  int64_t n_mfcc = 40;
  bool log_mels = false;  // log(mel + 1e-6) instead of dB with top_db 80
  MelSpectrogramOptions mel{};
};

// x [(batch,) time] -> [(batch,) n_mfcc, frames].
Tensor mfcc(const Tensor& x, const MfccOptions& options = {});

}  // namespace strata::audio
