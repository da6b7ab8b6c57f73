// Resampling against torchaudio.functional.resample (tests/fixtures/audio_resample.safetensors, from
// scripts/gen_fixtures_audio.py); speed perturbation is a resample from round(rate * factor).
#include "golden_util.h"
#include "strata/audio/augment.h"
#include "strata/audio/resample.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"resample_down", [](Case& c) { return audio::resample(c.in("x"), 16000, 8000); }},
      {"resample_up", [](Case& c) { return audio::resample(c.in("x"), 8000, 11025); }},
      {"resample_44k_16k_f32",
       [](Case& c) {
         c.widen_tolerance(10);
         return audio::resample(c.in("x"), 44100, 16000);
       }},
      {"resample_3_2_narrow",
       [](Case& c) { return audio::resample(c.in("x"), 3, 2, {.lowpass_filter_width = 4, .rolloff = 0.9}); }},
      {"speed_1_1", [](Case& c) { return audio::speed(c.in("x"), 8000, 1.1); }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(AudioResampleGolden, "audio_resample.safetensors", cases);

}  // namespace
}  // namespace strata
