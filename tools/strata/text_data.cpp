// The text datasets of `strata train`: language-modelling windows (text-lm) and labelled text folders
// (text-folder).
#include "training_data.h"

namespace strata::cli {

TrainingData load_text_data(const Config& c, bool) {
  STRATA_FAIL("{}: dataset '{}' is not supported by strata train yet", c.path, c.data.dataset);
}

}  // namespace strata::cli
