// WAV reader and writer, written by hand: RIFF chunks walked one by one, each header field checked against
// the file's size and the others, so a malformed file names the field at fault.
#include "strata/audio/wav.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "strata/core/factory.h"

namespace strata::audio {
namespace {

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;

uint16_t u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
std::string fourcc(const uint8_t* p) {
  std::string s(reinterpret_cast<const char*>(p), 4);
  for (char& c : s)
    if (c < 32 || c > 126) c = '?';
  return s;
}

void put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
void put_tag(std::vector<uint8_t>& out, const char* tag) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(tag[i]));
}

int bits_of(WavEncoding e) {
  switch (e) {
    case WavEncoding::Pcm8:
      return 8;
    case WavEncoding::Pcm16:
      return 16;
    case WavEncoding::Pcm24:
      return 24;
    case WavEncoding::Pcm32:
      return 32;
    case WavEncoding::Float32:
      return 32;
    case WavEncoding::Float64:
      return 64;
  }
  return 0;
}

// One sample at p, scaled to [-1, 1) as torchaudio does (PCM by 2^(bits-1); 8-bit is unsigned).
float sample_at(const uint8_t* p, WavEncoding e) {
  switch (e) {
    case WavEncoding::Pcm8:
      return static_cast<float>((static_cast<int>(p[0]) - 128) / 128.0);
    case WavEncoding::Pcm16:
      return static_cast<float>(static_cast<int16_t>(u16(p)) / 32768.0);
    case WavEncoding::Pcm24: {
      int32_t v = static_cast<int32_t>(p[0] | (p[1] << 8) | (p[2] << 16));
      if (v & 0x800000) v -= 0x1000000;
      return static_cast<float>(v / 8388608.0);
    }
    case WavEncoding::Pcm32:
      return static_cast<float>(static_cast<int32_t>(u32(p)) / 2147483648.0);
    case WavEncoding::Float32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case WavEncoding::Float64: {
      double d;
      std::memcpy(&d, p, 8);
      return static_cast<float>(d);
    }
  }
  return 0.0f;
}

}  // namespace

Waveform decode_wav(const std::vector<uint8_t>& bytes, const std::string& name) {
  const size_t n = bytes.size();
  STRATA_CHECK(n >= 12, "read_wav: {}: {} bytes is too short for a RIFF header (12 bytes)", name, n);
  const uint8_t* b = bytes.data();
  STRATA_CHECK(std::memcmp(b, "RIFF", 4) == 0,
               "read_wav: {}: field 'ChunkID' is '{}', not 'RIFF' (not a WAV file)", name, fourcc(b));
  STRATA_CHECK(std::memcmp(b + 8, "WAVE", 4) == 0, "read_wav: {}: field 'Format' is '{}', not 'WAVE'", name,
               fourcc(b + 8));
  bool have_fmt = false;
  uint16_t format = 0, channels = 0, block_align = 0, bits = 0;
  uint32_t rate = 0;
  WavEncoding encoding = WavEncoding::Pcm16;
  size_t pos = 12;
  while (pos + 8 <= n) {
    const std::string id = fourcc(b + pos);
    const uint32_t size = u32(b + pos + 4);
    const size_t body = pos + 8;
    if (id == "data") {
      STRATA_CHECK(have_fmt, "read_wav: {}: 'data' chunk at byte {} comes before any 'fmt ' chunk", name,
                   pos);
      STRATA_CHECK(
          size <= n - body,
          "read_wav: {}: field 'data' chunk size declares {} bytes but only {} remain (truncated file)", name,
          size, n - body);
      STRATA_CHECK(size % block_align == 0,
                   "read_wav: {}: field 'data' chunk size {} is not a multiple of BlockAlign {}", name, size,
                   block_align);
      const int64_t frames = size / block_align;
      const int bytes_per_sample = bits / 8;
      Tensor out = empty({static_cast<int64_t>(channels), frames});
      float* o = out.data_ptr<float>();
      const uint8_t* d = b + body;
      for (int64_t f = 0; f < frames; ++f)
        for (int64_t c = 0; c < channels; ++c)
          o[c * frames + f] = sample_at(d + f * block_align + c * bytes_per_sample, encoding);
      return {out, static_cast<int64_t>(rate), encoding};
    }
    STRATA_CHECK(size <= n - body, "read_wav: {}: chunk '{}' at byte {} declares {} bytes but only {} remain",
                 name, id, pos, size, n - body);
    if (id == "fmt ") {
      STRATA_CHECK(size >= 16, "read_wav: {}: field 'fmt ' chunk size is {}, under the 16 bytes it needs",
                   name, size);
      const uint8_t* f = b + body;
      format = u16(f);
      channels = u16(f + 2);
      rate = u32(f + 4);
      block_align = u16(f + 12);
      bits = u16(f + 14);
      if (format == kFormatExtensible) {
        STRATA_CHECK(size >= 40,
                     "read_wav: {}: field 'fmt ' chunk size is {}, under the 40 bytes of "
                     "WAVE_FORMAT_EXTENSIBLE",
                     name, size);
        format = u16(f + 24);  // the sub-format GUID starts with the format code
      }
      STRATA_CHECK(channels >= 1, "read_wav: {}: field 'NumChannels' is 0", name);
      STRATA_CHECK(rate >= 1, "read_wav: {}: field 'SampleRate' is 0", name);
      if (format == kFormatPcm) {
        STRATA_CHECK(bits == 8 || bits == 16 || bits == 24 || bits == 32,
                     "read_wav: {}: field 'BitsPerSample' is {} for PCM (8, 16, 24 or 32 are read)", name,
                     bits);
        encoding = bits == 8    ? WavEncoding::Pcm8
                   : bits == 16 ? WavEncoding::Pcm16
                   : bits == 24 ? WavEncoding::Pcm24
                                : WavEncoding::Pcm32;
      } else if (format == kFormatFloat) {
        STRATA_CHECK(bits == 32 || bits == 64,
                     "read_wav: {}: field 'BitsPerSample' is {} for IEEE float (32 or 64 are read)", name,
                     bits);
        encoding = bits == 32 ? WavEncoding::Float32 : WavEncoding::Float64;
      } else {
        STRATA_FAIL(
            "read_wav: {}: field 'AudioFormat' is {} (PCM 1, IEEE float 3 and extensible 0xFFFE are read)",
            name, format);
      }
      STRATA_CHECK(block_align == channels * (bits / 8),
                   "read_wav: {}: field 'BlockAlign' is {}, but NumChannels {} x BitsPerSample {} / 8 is {}",
                   name, block_align, channels, bits, channels * (bits / 8));
      have_fmt = true;
    }
    pos = body + size + (size & 1);  // chunks are padded to even sizes
  }
  STRATA_CHECK(have_fmt, "read_wav: {}: no 'fmt ' chunk", name);
  STRATA_FAIL("read_wav: {}: no 'data' chunk", name);
}

Waveform read_wav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in, "read_wav: cannot open '{}'", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_wav(bytes, path);
}

std::vector<uint8_t> encode_wav(const Tensor& samples, int64_t sample_rate, WavEncoding encoding) {
  STRATA_CHECK(samples.defined() && (samples.dim() == 1 || samples.dim() == 2),
               "write_wav: samples must be [frames] or [channels, frames], got {}",
               samples.defined() ? samples.shape().str() : "undefined");
  STRATA_CHECK(samples.is_floating_point(), "write_wav: samples must be floating point, got {}",
               dtype_name(samples.dtype()));
  STRATA_CHECK(sample_rate >= 1 && sample_rate <= 0xFFFFFFFFLL, "write_wav: sample_rate {} out of range",
               sample_rate);
  const Tensor s = samples.dim() == 1 ? samples.unsqueeze(0) : samples;
  const int64_t channels = s.size(0), frames = s.size(1);
  STRATA_CHECK(channels >= 1 && channels <= 0xFFFF, "write_wav: {} channels out of range", channels);
  const int bits = bits_of(encoding);
  const int64_t block = channels * (bits / 8);
  const int64_t data_bytes = block * frames;
  STRATA_CHECK(data_bytes < 0xFFFFFFF0LL, "write_wav: {} bytes of samples exceed the 4 GiB of a RIFF file",
               data_bytes);
  const auto values = s.to_vector<double>();
  const bool is_float = encoding == WavEncoding::Float32 || encoding == WavEncoding::Float64;
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(44 + data_bytes + 1));
  put_tag(out, "RIFF");
  put32(out, static_cast<uint32_t>(36 + data_bytes + (data_bytes & 1)));
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put32(out, 16);
  put16(out, is_float ? kFormatFloat : kFormatPcm);
  put16(out, static_cast<uint32_t>(channels));
  put32(out, static_cast<uint32_t>(sample_rate));
  put32(out, static_cast<uint32_t>(sample_rate * block));
  put16(out, static_cast<uint32_t>(block));
  put16(out, static_cast<uint32_t>(bits));
  put_tag(out, "data");
  put32(out, static_cast<uint32_t>(data_bytes));
  for (int64_t f = 0; f < frames; ++f) {
    for (int64_t c = 0; c < channels; ++c) {
      const double v = values[static_cast<size_t>(c * frames + f)];
      if (encoding == WavEncoding::Float32) {
        const float x = static_cast<float>(v);
        uint32_t u;
        std::memcpy(&u, &x, 4);
        put32(out, u);
      } else if (encoding == WavEncoding::Float64) {
        uint64_t u;
        std::memcpy(&u, &v, 8);
        put32(out, static_cast<uint32_t>(u));
        put32(out, static_cast<uint32_t>(u >> 32));
      } else {
        // Round to the nearest step and clip to the code range.
        const double scale = std::ldexp(1.0, bits - 1);
        const double q = std::clamp(std::nearbyint((std::isnan(v) ? 0.0 : v) * scale), -scale, scale - 1);
        const auto i = static_cast<int64_t>(q);
        if (encoding == WavEncoding::Pcm8) {
          out.push_back(static_cast<uint8_t>(i + 128));
        } else {
          for (int k = 0; k < bits / 8; ++k) out.push_back(static_cast<uint8_t>((i >> (8 * k)) & 0xFF));
        }
      }
    }
  }
  if (data_bytes & 1) out.push_back(0);
  return out;
}

void write_wav(const std::string& path, const Tensor& samples, int64_t sample_rate, WavEncoding encoding) {
  const std::vector<uint8_t> bytes = encode_wav(samples, sample_rate, encoding);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    STRATA_CHECK(out, "write_wav: cannot write '{}'", tmp);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    STRATA_CHECK(out.good(), "write_wav: writing '{}' failed", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  STRATA_CHECK(!ec, "write_wav: cannot rename '{}' to '{}': {}", tmp, path, ec.message());
}

}  // namespace strata::audio
