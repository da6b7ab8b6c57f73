#pragma once
// WAV (RIFF/WAVE) files: PCM 8/16/24/32-bit and IEEE float 32/64-bit, any channel count and rate.
// Samples are f32 in [-1, 1), shaped [channels, frames] like torchaudio.load.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::audio {

// How samples are stored in a WAV file.
enum class WavEncoding { Pcm8, Pcm16, Pcm24, Pcm32, Float32, Float64 };

// A decoded WAV file: samples [channels, frames] (f32) and the rate in Hz.
struct Waveform {
  Tensor samples;
  int64_t sample_rate = 0;
  WavEncoding encoding = WavEncoding::Pcm16;
};

// Reads a WAV file; a malformed file throws strata::Error naming the file and the field.
Waveform read_wav(const std::string& path);
// Decodes WAV bytes; `name` labels errors (a path or "<memory>").
Waveform decode_wav(const std::vector<uint8_t>& bytes, const std::string& name = "<memory>");
// Encodes samples [channels, frames] or [frames] (any float dtype; PCM clips to [-1, 1]) as WAV bytes.
std::vector<uint8_t> encode_wav(const Tensor& samples, int64_t sample_rate,
                                WavEncoding encoding = WavEncoding::Pcm16);
// Writes samples as a WAV file (atomically: a temporary file renamed into place).
void write_wav(const std::string& path, const Tensor& samples, int64_t sample_rate,
               WavEncoding encoding = WavEncoding::Pcm16);

}  // namespace strata::audio
