// WAV files in every encoding, written byte by byte by scripts/gen_fixtures_audio.py (tests/fixtures/audio/),
// decoded as torchaudio.load scales them (tests/fixtures/audio_wav.safetensors).
#include "golden_util.h"
#include "strata/audio/wav.h"

namespace strata {
namespace {

class WavGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WavGolden, DecodesLikeTorchaudio) {
  const auto& fx = golden::fixture("audio_wav.safetensors");
  const std::string name = GetParam();
  const audio::Waveform w = audio::read_wav(std::string(STRATA_FIXTURES_DIR) + "/audio/" + name + ".wav");
  EXPECT_EQ(w.sample_rate, fx.at(name + ".sample_rate").item<int64_t>());
  EXPECT_TRUE(golden::all_close(w.samples, fx.at(name + ".samples"))) << name;
}

INSTANTIATE_TEST_SUITE_P(Files, WavGolden,
                         ::testing::Values("pcm8_mono", "pcm16_stereo", "pcm24_mono", "pcm32_stereo",
                                           "float32_mono", "float64_stereo"));

TEST(WavGolden, CoversEveryFixtureFile) {
  EXPECT_EQ(golden::fixture_cases("audio_wav.safetensors").size(), 6u);
}

}  // namespace
}  // namespace strata
