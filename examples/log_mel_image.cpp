// Draws the log-mel spectrogram of a WAV file as a PNG (low frequencies at the bottom, a heat palette from
// black through red and yellow to white over the top 80 dB), as strata's speech models see their input.
//
//   log_mel_image IN.wav OUT.png [--n-mels N] [--scale K]
#include <iostream>
#include <string>

#include "strata/audio/mel.h"
#include "strata/audio/resample.h"
#include "strata/audio/wav.h"
#include "strata/data/image/io.h"
#include "strata/strata.h"

using namespace strata;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: log_mel_image IN.wav OUT.png [--n-mels N] [--scale K]\n";
    return 2;
  }
  int64_t n_mels = 64, scale = 3;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--n-mels")
      n_mels = std::stoll(argv[i + 1]);
    else if (a == "--scale")
      scale = std::stoll(argv[i + 1]);
  }
  try {
    const audio::Waveform w = audio::read_wav(argv[1]);
    const Tensor mono = audio::resample(ops::mean(w.samples, {0}), w.sample_rate, 8000);
    const Tensor db = audio::log_mel_spectrogram(mono, {.sample_rate = 8000,
                                                        .n_fft = 256,
                                                        .hop_length = 80,
                                                        .n_mels = n_mels});  // [n_mels, frames], top 80 dB
    const double top = ops::max(db).item();
    const int64_t frames = db.size(1);
    Tensor img = zeros({3, n_mels * scale, frames * scale}, {.dtype = kUInt8});
    const auto v = db.to_vector<double>();
    for (int64_t m = 0; m < n_mels; ++m)
      for (int64_t t = 0; t < frames; ++t) {
        const double x = std::clamp((v[static_cast<size_t>(m * frames + t)] - (top - 80.0)) / 80.0, 0.0, 1.0);
        const double rgb[3] = {std::clamp(3 * x, 0.0, 1.0), std::clamp(3 * x - 1, 0.0, 1.0),
                               std::clamp(3 * x - 2, 0.0, 1.0)};
        for (int64_t c = 0; c < 3; ++c)
          for (int64_t dy = 0; dy < scale; ++dy)
            for (int64_t dx = 0; dx < scale; ++dx)
              img.set_at({c, (n_mels - 1 - m) * scale + dy, t * scale + dx}, std::round(255 * rgb[c]));
      }
    data::image::write_image(argv[2], img);
    std::cout << fmt::format("{}: {} Hz, {:.2f} s -> {} ({} mels x {} frames)\n", argv[1], w.sample_rate,
                             static_cast<double>(w.samples.size(1)) / static_cast<double>(w.sample_rate),
                             argv[2], n_mels, frames);
  } catch (const Error& e) {
    std::cerr << "log_mel_image: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
