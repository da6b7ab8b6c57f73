// Spoken digits: WAV files read, resampled and turned into standardised log-mel features once, at load
// time, into an in-memory TensorDataset (a few thousand one-second clips: a few MB).
#include "strata/data/audio/spoken_digits.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "strata/audio/augment.h"
#include "strata/audio/mel.h"
#include "strata/audio/resample.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::data::audio {
namespace fs = std::filesystem;
namespace sa = strata::audio;

namespace {

// Sorted .wav files of a folder; throws naming the folder and how to make it when it is missing.
std::vector<fs::path> wav_files(const fs::path& dir, const std::string& hint) {
  STRATA_CHECK(fs::is_directory(dir), "spoken digits: {} does not exist ({})", dir.string(), hint);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".wav") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string synth_hint() { return "run scripts/fetch-data speech, which needs Debian espeak-ng"; }

// Every k-th of n items so that `limit` of them spread over the whole (voice-ordered) list.
std::vector<size_t> spread(size_t n, int64_t limit) {
  std::vector<size_t> picks;
  if (limit <= 0 || static_cast<size_t>(limit) >= n) {
    for (size_t i = 0; i < n; ++i) picks.push_back(i);
    return picks;
  }
  for (int64_t i = 0; i < limit; ++i)
    picks.push_back(
        static_cast<size_t>(static_cast<double>(i) * static_cast<double>(n) / static_cast<double>(limit)));
  return picks;
}

// Mono samples [T] of a waveform.
Tensor mono_of(const sa::Waveform& w) { return ops::mean(w.samples, {0}).contiguous(); }

// The utterances of a synthesised file: the stretches between pauses of at least min_gap seconds, a pause
// being 10 ms frames whose RMS is at most 2% of the loudest frame's (some voices breathe in their pauses, so
// silence is not exact zeros). Throws naming the file unless there are `expected`.
std::vector<Tensor> split_on_silence(const Tensor& mono, int64_t rate, double min_gap, size_t expected,
                                     const std::string& file) {
  const auto v = mono.to_vector<float>();
  const int64_t hop = std::max<int64_t>(rate / 100, 1);
  const auto frames = static_cast<int64_t>(v.size()) / hop;
  std::vector<double> rms(static_cast<size_t>(frames));
  double loudest = 0;
  for (int64_t f = 0; f < frames; ++f) {
    double e = 0;
    for (int64_t i = f * hop; i < (f + 1) * hop; ++i)
      e += static_cast<double>(v[static_cast<size_t>(i)]) * v[static_cast<size_t>(i)];
    rms[static_cast<size_t>(f)] = std::sqrt(e / static_cast<double>(hop));
    loudest = std::max(loudest, rms[static_cast<size_t>(f)]);
  }
  const auto gap = static_cast<int64_t>(std::llround(min_gap * 100.0));
  std::vector<Tensor> parts;
  int64_t start = -1, quiet = 0;
  auto close = [&](int64_t end_frame) {
    if (start >= 0 && end_frame - start >= 5)
      parts.push_back(ops::slice(mono, 0, start * hop, end_frame * hop));
    start = -1;
  };
  for (int64_t f = 0; f < frames; ++f) {
    if (rms[static_cast<size_t>(f)] <= 0.02 * loudest) {
      if (++quiet == gap) close(f - gap + 1);
    } else {
      quiet = 0;
      if (start < 0) start = f;
    }
  }
  close(frames);
  STRATA_CHECK(parts.size() == expected, "spoken digits: {} holds {} utterances between pauses, expected {}",
               file, parts.size(), expected);
  return parts;
}

}  // namespace

std::string speech_root() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/speech";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/speech";
}

Tensor speech_features(const Tensor& mono, int64_t sample_rate, const SpeechFeatureOptions& o) {
  STRATA_CHECK(mono.defined() && mono.dim() == 1 && mono.size(0) > 0,
               "speech_features: expected mono samples [time], got {}",
               mono.defined() ? mono.shape().str() : "undefined");
  Tensor x = sa::resample(mono.to(kFloat32), sample_rate, o.sample_rate);
  // Trim silence: keep from the first to the last sample above 5% of the peak.
  const auto v = x.to_vector<float>();
  float peak = 0;
  for (float s : v) peak = std::max(peak, std::abs(s));
  int64_t first = 0, last = static_cast<int64_t>(v.size()) - 1;
  if (peak > 0) {
    while (first < last && std::abs(v[static_cast<size_t>(first)]) < 0.05f * peak) ++first;
    while (last > first && std::abs(v[static_cast<size_t>(last)]) < 0.05f * peak) --last;
    x = ops::slice(x, 0, first, last + 1) * (1.0 / static_cast<double>(peak));
  }
  if (o.seconds > 0) {
    const auto window = static_cast<int64_t>(std::llround(o.seconds * static_cast<double>(o.sample_rate)));
    const int64_t n = x.size(0);
    if (n > window) {
      x = ops::slice(x, 0, (n - window) / 2, (n - window) / 2 + window);
    } else {
      const int64_t before = (window - n) / 2;
      x = ops::pad(x, {before, window - n - before});
    }
  }
  STRATA_CHECK(x.size(0) > o.n_fft / 2, "speech_features: {} samples are too short for n_fft {}", x.size(0),
               o.n_fft);
  Tensor db = sa::log_mel_spectrogram(
      x, {.sample_rate = o.sample_rate, .n_fft = o.n_fft, .hop_length = o.hop_length, .n_mels = o.n_mels});
  const double mean = ops::mean(db).item();
  const double std = std::sqrt(ops::mean((db - mean) * (db - mean)).item());
  return ((db - mean) * (1.0 / std::max(std, 1e-5))).unsqueeze(0).contiguous();
}

Tensor speech_features(const sa::Waveform& wave, const SpeechFeatureOptions& options) {
  STRATA_CHECK(wave.samples.defined() && wave.samples.dim() == 2 && wave.samples.size(1) > 0,
               "speech_features: the waveform holds no samples");
  return speech_features(ops::mean(wave.samples, {0}), wave.sample_rate, options);
}

std::shared_ptr<TensorDataset> spoken_digits(const std::string& split, const SpokenDigitsOptions& o) {
  STRATA_CHECK(split == "train" || split == "test" || split == "real",
               "spoken_digits: split '{}' is not one of train, test, real", split);
  std::vector<std::pair<fs::path, int64_t>> files;
  if (split == "real") {
    const fs::path dir = o.root.empty() ? fs::path(kAsteriskDigits) : fs::path(o.root);
    for (int64_t d = 0; d < 10; ++d) {
      const fs::path f = dir / (std::to_string(d) + ".wav");
      STRATA_CHECK(fs::is_regular_file(f),
                   "spoken digits: {} does not exist (Debian asterisk-core-sounds-en-wav)", f.string());
      files.emplace_back(f, d);
    }
  } else {
    const fs::path dir = fs::path(o.root.empty() ? speech_root() : o.root) / "digits" / split;
    // One file per voice, the ten digits in order; a limit takes whole files spread over the voices.
    const std::vector<fs::path> voices = wav_files(dir, synth_hint());
    STRATA_CHECK(!voices.empty(), "spoken digits: no recordings under {} ({})", dir.string(), synth_hint());
    for (size_t v : spread(voices.size(), o.limit > 0 ? (o.limit + 9) / 10 : 0))
      for (int64_t d = 0; d < 10; ++d) files.emplace_back(voices[v], d);
  }
  if (o.limit > 0 && static_cast<int64_t>(files.size()) > o.limit) files.resize(static_cast<size_t>(o.limit));
  std::mt19937_64 rng(o.seed);
  Generator noise_gen(o.seed + 1);
  std::vector<Tensor> inputs;
  std::vector<int64_t> labels;
  std::string cached_file;
  std::vector<Tensor> cached;  // the utterances of the last file read
  int64_t rate = 0;
  for (const auto& [path, label] : files) {
    if (path.string() != cached_file) {
      const sa::Waveform w = sa::read_wav(path.string());
      rate = w.sample_rate;
      cached = split == "real" ? std::vector<Tensor>{mono_of(w)}
                               : split_on_silence(mono_of(w), rate, 0.35, 10, path.string());
      cached_file = path.string();
    }
    const Tensor mono =
        sa::resample(cached[split == "real" ? 0 : static_cast<size_t>(label)], rate, o.features.sample_rate);
    inputs.push_back(speech_features(mono, o.features.sample_rate, o.features));
    labels.push_back(label);
    if (o.augment && split == "train") {
      // Speeds in twentieths keep the resampling ratio small (e.g. 21:20), and its filter short.
      constexpr double kFactors[] = {0.9, 0.95, 1.05, 1.1};
      std::uniform_int_distribution<int> factor(0, 3);
      std::uniform_real_distribution<double> snr(10.0, 30.0);
      const Tensor fast = sa::speed(mono, o.features.sample_rate, kFactors[factor(rng)]);
      inputs.push_back(
          speech_features(sa::add_noise(fast, snr(rng), noise_gen), o.features.sample_rate, o.features));
      labels.push_back(label);
    }
  }
  return std::make_shared<TensorDataset>(ops::stack(inputs, 0),
                                         from_vector(labels, {static_cast<int64_t>(labels.size())}));
}

DigitStrings digit_strings(const std::string& split, const SpokenDigitsOptions& o) {
  STRATA_CHECK(split == "train" || split == "test", "digit_strings: split '{}' is not one of train, test",
               split);
  const fs::path dir = fs::path(o.root.empty() ? speech_root() : o.root) / "strings" / split;
  const std::vector<fs::path> files = wav_files(dir, synth_hint());
  STRATA_CHECK(!files.empty(), "digit_strings: no recordings under {} ({})", dir.string(), synth_hint());
  SpeechFeatureOptions f = o.features;
  f.seconds = 0;  // keep each string's length
  // Every (file, line) pair, in order; the limit spreads over them.
  std::vector<std::pair<size_t, size_t>> items;
  std::vector<std::vector<std::string>> lines(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    fs::path txt = files[i];
    txt.replace_extension(".txt");
    std::ifstream in(txt);
    STRATA_CHECK(in, "digit_strings: {} has no transcript file {}", files[i].string(), txt.string());
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      STRATA_CHECK(std::all_of(line.begin(), line.end(), [](char ch) { return ch >= '0' && ch <= '9'; }),
                   "digit_strings: {}:{}: the transcript '{}' is not all digits", txt.string(),
                   lines[i].size() + 1, line);
      lines[i].push_back(line);
      items.emplace_back(i, lines[i].size() - 1);
    }
  }
  DigitStrings out;
  std::vector<Tensor> feats;
  int64_t longest = 0;
  size_t cached_file = files.size();
  std::vector<Tensor> cached;
  int64_t rate = 0;
  for (size_t k : spread(items.size(), o.limit)) {
    const auto [file, line] = items[k];
    if (file != cached_file) {
      const sa::Waveform w = sa::read_wav(files[file].string());
      rate = w.sample_rate;
      cached = split_on_silence(mono_of(w), rate, 0.8, lines[file].size(), files[file].string());
      cached_file = file;
    }
    Tensor x = speech_features(sa::resample(cached[line], rate, f.sample_rate), f.sample_rate, f);
    longest = std::max(longest, x.size(-1));
    out.frames.push_back(x.size(-1));
    out.transcripts.push_back(lines[file][line]);
    feats.push_back(x);
  }
  for (Tensor& x : feats) x = ops::pad(x, {0, longest - x.size(-1)});
  out.features = ops::stack(feats, 0);
  return out;
}

}  // namespace strata::data::audio
