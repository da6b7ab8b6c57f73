// The tabular datasets of `strata train`: a CSV/ARFF table, a target column and cleaning steps.
#include "training_data.h"

namespace strata::cli {

TrainingData load_table_data(const Config& c, bool) {
  STRATA_FAIL("{}: dataset '{}' is not supported by strata train yet", c.path, c.data.dataset);
}

}  // namespace strata::cli
