// Mel filter banks, DCT, mel spectrograms, decibels and MFCC against torchaudio 0.13
// (tests/fixtures/audio_mel.safetensors, from scripts/gen_fixtures_audio.py).
#include "golden_util.h"
#include "strata/audio/mel.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// The fixture's feature settings: 8 kHz, n_fft 256, hop 80, 40 mels.
audio::MelSpectrogramOptions mel_options() {
  return {.sample_rate = 8000, .n_fft = 256, .hop_length = 80, .n_mels = 40};
}

// f32 cases: torchaudio builds its matrices in f32 and transforms by FFT; strata in f64 then rounds.
Tensor widened(Case& c, const Tensor& out, double scale = 50) {
  if (c.name().ends_with("_f32")) c.widen_tolerance(scale);
  return out;
}

const std::vector<GoldenCase>& cases() {
  using audio::MelNorm;
  using audio::MelScale;
  static const std::vector<GoldenCase> all = {
      {"fbanks_htk_f32",
       [](Case& c) { return widened(c, audio::melscale_fbanks(129, 0, 4000, 40, 8000), 10); }},
      {"fbanks_slaney_f32",
       [](Case& c) {
         return widened(
             c, audio::melscale_fbanks(201, 20, 7600, 64, 16000, MelNorm::Slaney, MelScale::Slaney), 10);
       }},
      {"fbanks_htk",
       [](Case&) {
         return audio::melscale_fbanks(129, 0, 4000, 40, 8000, MelNorm::None, MelScale::Htk, kFloat64);
       }},
      {"fbanks_slaney",
       [](Case&) {
         return audio::melscale_fbanks(201, 300, 8000, 80, 16000, MelNorm::Slaney, MelScale::Slaney,
                                       kFloat64);
       }},
      {"dct_ortho_f32", [](Case& c) { return widened(c, audio::create_dct(13, 40, true), 10); }},
      {"dct_none_f32", [](Case& c) { return widened(c, audio::create_dct(20, 64, false), 10); }},
      {"mel_spectrogram_f32",
       [](Case& c) { return widened(c, audio::mel_spectrogram(c.in("x"), mel_options()), 200); }},
      {"mel_spectrogram", [](Case& c) { return audio::mel_spectrogram(c.in("x"), mel_options()); }},
      {"log_mel_f32",
       [](Case& c) { return widened(c, audio::log_mel_spectrogram(c.in("x"), mel_options())); }},
      {"log_mel", [](Case& c) { return audio::log_mel_spectrogram(c.in("x"), mel_options()); }},
      {"amplitude_to_db_amp",
       [](Case& c) { return audio::amplitude_to_db(c.in("x"), 20.0, 1e-5, std::log10(2.0)); }},
      {"amplitude_to_db_top_db",
       [](Case& c) { return audio::amplitude_to_db(c.in("x"), 10.0, 1e-10, 0.0, 20.0); }},
      {"mfcc_f32",
       [](Case& c) { return widened(c, audio::mfcc(c.in("x"), {.n_mfcc = 13, .mel = mel_options()}), 200); }},
      {"mfcc", [](Case& c) { return audio::mfcc(c.in("x"), {.n_mfcc = 13, .mel = mel_options()}); }},
      {"mfcc_log_mels",
       [](Case& c) {
         return audio::mfcc(c.in("x"), {.n_mfcc = 20, .log_mels = true, .mel = mel_options()});
       }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(AudioMelGolden, "audio_mel.safetensors", cases);

}  // namespace
}  // namespace strata
