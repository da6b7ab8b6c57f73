#include "training_data.h"

namespace strata::cli {

TrainingData load_training_data(const Config& c, bool with_train) {
  TrainingData d;
  if (c.data.dataset == "text-lm" || c.data.dataset == "text-folder") {
    d = load_text_data(c, with_train);
  } else if (c.data.dataset == "table") {
    d = load_table_data(c, with_train);
  } else {
    d = load_image_data(c, with_train);
  }
  // A source that does not hold out its own validation split gets a seeded random one.
  if (d.train && !d.val && c.data.val_fraction > 0) {
    auto parts = data::random_split(
        d.train, std::vector<double>{1 - c.data.val_fraction, c.data.val_fraction}, c.training.seed);
    STRATA_CHECK(parts[0]->size() > 0 && parts[1]->size() > 0,
                 "data.val_fraction {} leaves an empty training or validation set ({} examples)",
                 c.data.val_fraction, d.train->size());
    d.train = parts[0];
    d.val = parts[1];
  }
  return d;
}

}  // namespace strata::cli
