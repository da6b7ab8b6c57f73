// The spoken-digit sources of `strata train` (data.dataset spoken-digits and spoken-digits-real): log-mel
// features of the espeak-ng digits of `scripts/fetch-data speech`, the training split augmented once with
// speed and noise; the test split is the held-out synthetic voices (spoken-digits) or the ten real
// recordings of asterisk-core-sounds-en-wav (spoken-digits-real). `strata predict --audio` reads a WAV file.
#include <iostream>

#include "strata/audio/wav.h"
#include "strata/data/audio/spoken_digits.h"
#include "training_data.h"

namespace strata::cli {

TrainingData load_audio_data(const Config& c, bool with_train) {
  namespace da = data::audio;
  TrainingData d;
  da::SpokenDigitsOptions o{.root = c.data.root, .seed = c.training.seed};
  if (with_train) {
    da::SpokenDigitsOptions train = o;
    train.limit = c.data.limit;
    train.augment = true;
    d.train = da::spoken_digits("train", train);
  }
  const bool real = c.data.dataset == "spoken-digits-real";
  da::SpokenDigitsOptions test = o;
  test.limit = c.data.test_limit;
  if (real) test.root.clear();  // the recordings have their own folder
  const auto test_set = da::spoken_digits(real ? "real" : "test", test);
  d.test = test_set;
  d.input_shape = Shape{1, 1, test_set->inputs().size(2), test_set->inputs().size(3)};
  d.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  d.description = real ? "spoken digits (espeak-ng; test: asterisk recordings)" : "spoken digits (espeak-ng)";
  d.read_input = [features = o.features](const std::string& path) {
    return da::speech_features(strata::audio::read_wav(path), features).unsqueeze(0);
  };
  return d;
}

}  // namespace strata::cli
