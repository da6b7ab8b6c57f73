#pragma once
// Spoken digits: isolated digit words and digit strings synthesised by `scripts/fetch-data speech`
// (espeak-ng voices; one file per voice holds the ten digits, or eight strings, split here at the silences
// between them) and the real recordings of Debian asterisk-core-sounds-en-wav, as log-mel features.
#include <memory>
#include <string>
#include <vector>

#include "strata/audio/wav.h"
#include "strata/data/dataset.h"

namespace strata::data::audio {

// The folder of the synthesised speech set: $STRATA_DATA/speech, else ~/.cache/strata/speech.
std::string speech_root();
// The folder of the real digit recordings (asterisk-core-sounds-en-wav).
inline constexpr const char* kAsteriskDigits = "/usr/share/asterisk/sounds/en/digits";

struct SpeechFeatureOptions {
  int64_t sample_rate = 8000;  // every recording is resampled to this rate (the telephone band)
  int64_t n_fft = 256;
  int64_t hop_length = 80;  // 10 ms at 8 kHz
  int64_t n_mels = 40;
  double seconds = 1.0;  // digits: a fixed window, the speech centred in it; 0 keeps the length
};

// Log-mel features of one recording: mixed to mono, resampled, leading and trailing silence trimmed, centred
// in `seconds` (when > 0), in dB (top_db 80) standardised to zero mean and unit variance: [1, n_mels,
// frames].
Tensor speech_features(const Tensor& mono, int64_t sample_rate, const SpeechFeatureOptions& options = {});
// The same for a decoded WAV file.
Tensor speech_features(const strata::audio::Waveform& wave, const SpeechFeatureOptions& options = {});

// What to load of the spoken digits.
struct SpokenDigitsOptions {
  std::string root{};    // empty: speech_root() (the synthetic splits) / kAsteriskDigits ("real")
  int64_t limit = 0;     // > 0: at most this many examples, spread evenly over the split's voices
  bool augment = false;  // synthetic training split: each recording once more at speed 0.9-1.1 with noise
  uint64_t seed = 0;     // of the augmentation
  SpeechFeatureOptions features{};
};

// Split "train" or "test" (synthetic; the test voices are never heard in training) or "real" (the ten
// recorded digits): inputs [N, 1, n_mels, frames], labels i64 [N] (the digit).
std::shared_ptr<TensorDataset> spoken_digits(const std::string& split,
                                             const SpokenDigitsOptions& options = {});

// Digit strings (3-7 digits with pauses) of split "train" or "test": features padded to the longest,
// with each example's frame count and transcript.
struct DigitStrings {
  Tensor features;                       // [N, 1, n_mels, max_frames]
  std::vector<int64_t> frames;           // valid frames of each
  std::vector<std::string> transcripts;  // "40719"
};
DigitStrings digit_strings(const std::string& split, const SpokenDigitsOptions& options = {});

}  // namespace strata::data::audio
