#pragma once
// k-fold and stratified k-fold cross-validation: trains and evaluates once per fold and reports the mean
// and standard deviation of every metric.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/data/dataset.h"
#include "strata/data/table/split.h"
#include "strata/tune/tuner.h"

namespace strata::tune {

struct CrossValidationOptions {
  int folds = 5;
  bool stratified = false;  // keep class proportions in every fold (needs labels)
  bool shuffle = true;
  uint64_t seed = 0;
};

struct CrossValidationResult {
  std::vector<Metrics> folds;  // what each fold returned
  Metrics mean;
  Metrics std;  // population standard deviation over the folds (NumPy's default, ddof = 0)

  // One line per metric: "val_accuracy  0.9710 +- 0.0150  (folds: 0.96, 0.98, ...)".
  std::string summary() const;
};

// Mean and standard deviation per metric name over the folds that report it.
CrossValidationResult aggregate(std::vector<Metrics> folds);

// Calls fn(fold, index) for each of options.folds folds of n rows (row indices, sorted); stratified folds
// need one class id per row in `labels`. Errors name the fold.
CrossValidationResult cross_validate(int64_t n,
                                     const std::function<Metrics(const data::table::Fold&, int)>& fn,
                                     const CrossValidationOptions& options = {},
                                     const std::vector<int64_t>& labels = {});

// The same over a dataset: fn(train subset, validation subset, fold index). Stratified folds read the class
// of each example from its target (an integer scalar).
CrossValidationResult cross_validate(
    const std::shared_ptr<const data::Dataset>& dataset,
    const std::function<Metrics(std::shared_ptr<const data::Dataset> train,
                                std::shared_ptr<const data::Dataset> validation, int fold)>& fn,
    const CrossValidationOptions& options = {});

// The class index of every example of a classification dataset (integer scalar targets).
std::vector<int64_t> dataset_labels(const data::Dataset& dataset);

}  // namespace strata::tune
