// WAV writer round trips, malformed files (each names the file and the field), and a real recording.
#include "strata/audio/wav.h"

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace strata {
namespace {

using audio::WavEncoding;

Tensor ramp(int64_t channels, int64_t frames) {
  return (arange(static_cast<double>(channels * frames)) / static_cast<double>(channels * frames) * 1.8 - 0.9)
      .reshape({channels, frames});
}

TEST(Wav, RoundTripsEveryEncoding) {
  const Tensor x = ramp(2, 101);
  for (auto [enc, tol] : std::vector<std::pair<WavEncoding, double>>{{WavEncoding::Pcm8, 1.0 / 128},
                                                                     {WavEncoding::Pcm16, 1.0 / 32768},
                                                                     {WavEncoding::Pcm24, 1e-6},
                                                                     {WavEncoding::Pcm32, 1e-7},
                                                                     {WavEncoding::Float32, 0},
                                                                     {WavEncoding::Float64, 0}}) {
    const auto w = audio::decode_wav(audio::encode_wav(x, 12345, enc));
    EXPECT_EQ(w.sample_rate, 12345);
    EXPECT_EQ(w.encoding, enc);
    ASSERT_EQ(w.samples.shape(), x.shape());
    const auto got = w.samples.to_vector<double>(), want = x.to_vector<double>();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol + 1e-7) << i;
  }
}

TEST(Wav, PcmClipsAndMonoIsOneChannel) {
  const auto w = audio::decode_wav(audio::encode_wav(from_vector<float>({-2.0f, 0.5f, 2.0f}), 8000));
  EXPECT_EQ(w.samples.shape(), Shape({1, 3}));
  EXPECT_EQ(w.samples.to_vector<double>(), (std::vector<double>{-1.0, 0.5, 32767.0 / 32768.0}));
}

TEST(Wav, WritesFilesAtomically) {
  const std::string path = (std::filesystem::temp_directory_path() / "strata_wav_test.wav").string();
  audio::write_wav(path, ramp(1, 50), 16000, WavEncoding::Pcm24);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const auto w = audio::read_wav(path);
  EXPECT_EQ(w.samples.size(1), 50);
  std::filesystem::remove(path);
}

// A valid 16-bit mono file of 4 frames to corrupt.
std::vector<uint8_t> valid() { return audio::encode_wav(ramp(1, 4), 8000); }

void set16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
void set32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  set16(b, at, v & 0xFFFF);
  set16(b, at + 2, v >> 16);
}

TEST(Wav, MalformedFilesNameTheField) {
  auto bytes = valid();
  EXPECT_ERROR_CONTAINS(audio::decode_wav({bytes.begin(), bytes.begin() + 8}, "short.wav"), "short.wav",
                        "too short");
  auto b = bytes;
  b[0] = 'X';
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "x.wav", "ChunkID", "XIFF");
  b = bytes;
  b[8] = 'A';
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "Format", "AAVE");
  b = bytes;
  set16(b, 20, 2);  // ADPCM
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "x.wav", "AudioFormat", "2");
  b = bytes;
  set16(b, 22, 0);
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "NumChannels");
  b = bytes;
  set32(b, 24, 0);
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "SampleRate");
  b = bytes;
  set16(b, 34, 12);
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "BitsPerSample", "12");
  b = bytes;
  set16(b, 32, 3);
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "BlockAlign", "3");
  b = bytes;
  set32(b, 16, 8);  // fmt chunk too small
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "'fmt ' chunk size", "8");
  b = bytes;
  b.resize(b.size() - 3);  // truncated samples
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "cut.wav"), "cut.wav", "'data' chunk size", "truncated");
  b = bytes;
  set32(b, 40, 7);  // not whole frames
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "multiple of BlockAlign");
  b = bytes;
  std::copy_n("junk", 4, b.begin() + 36);  // the data chunk renamed: none left
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "no 'data' chunk");
  b = bytes;
  std::copy_n("junk", 4, b.begin() + 12);  // the fmt chunk renamed: data comes first
  EXPECT_ERROR_CONTAINS(audio::decode_wav(b, "x.wav"), "before any 'fmt ' chunk");
  EXPECT_ERROR_CONTAINS(audio::read_wav("/nonexistent/a.wav"), "cannot open", "/nonexistent/a.wav");
  EXPECT_ERROR_CONTAINS(audio::encode_wav(zeros({2, 2, 2}), 8000), "write_wav", "[2, 2, 2]");
  EXPECT_ERROR_CONTAINS(audio::encode_wav(zeros({4}, {.dtype = kInt64}), 8000), "floating point");
}

// A real recording (Debian asterisk-core-sounds-en-wav): 8 kHz 16-bit mono speech.
TEST(Wav, ReadsARealRecording) {
  const auto w = audio::read_wav("/usr/share/asterisk/sounds/en/digits/7.wav");
  EXPECT_EQ(w.sample_rate, 8000);
  EXPECT_EQ(w.encoding, WavEncoding::Pcm16);
  EXPECT_EQ(w.samples.size(0), 1);
  EXPECT_GT(w.samples.size(1), 2000);  // a spoken word: well over a quarter second
  EXPECT_GT(ops::max(ops::abs(w.samples)).item(), 0.05);
}

}  // namespace
}  // namespace strata
