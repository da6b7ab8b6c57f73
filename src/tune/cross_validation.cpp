#include "strata/tune/cross_validation.h"

#include <cmath>
#include <map>

#include "strata/core/error.h"

namespace strata::tune {

std::string CrossValidationResult::summary() const {
  size_t width = 0;
  for (const auto& [k, v] : mean) width = std::max(width, k.size());
  std::string out;
  for (const auto& [k, m] : mean) {
    std::string values;
    for (const Metrics& f : folds) {
      auto it = f.find(k);
      if (it != f.end()) values += (values.empty() ? "" : ", ") + fmt::format("{:.4g}", it->second);
    }
    out += fmt::format("{:<{}}  {:.4f} +- {:.4f}  (folds: {})\n", k, width, m, std.at(k), values);
  }
  return out;
}

CrossValidationResult aggregate(std::vector<Metrics> folds) {
  CrossValidationResult r;
  r.folds = std::move(folds);
  std::map<std::string, std::vector<double>> by_name;
  for (const Metrics& f : r.folds) {
    for (const auto& [k, v] : f) by_name[k].push_back(v);
  }
  for (const auto& [k, values] : by_name) {
    double mean = 0;
    for (double v : values) mean += v;
    mean /= static_cast<double>(values.size());
    double var = 0;
    for (double v : values) var += (v - mean) * (v - mean);
    r.mean[k] = mean;
    r.std[k] = std::sqrt(var / static_cast<double>(values.size()));
  }
  return r;
}

CrossValidationResult cross_validate(int64_t n,
                                     const std::function<Metrics(const data::table::Fold&, int)>& fn,
                                     const CrossValidationOptions& options,
                                     const std::vector<int64_t>& labels) {
  STRATA_CHECK(options.folds >= 2, "cross_validate: folds must be at least 2, got {}", options.folds);
  STRATA_CHECK(n >= options.folds, "cross_validate: {} folds need at least {} rows, got {}", options.folds,
               options.folds, n);
  std::vector<data::table::Fold> folds;
  if (options.stratified) {
    STRATA_CHECK(static_cast<int64_t>(labels.size()) == n,
                 "cross_validate: stratified folds need one label per row ({} rows, {} labels)", n,
                 labels.size());
    folds = data::table::stratified_kfold(labels, options.folds, options.seed, options.shuffle);
  } else {
    folds = data::table::kfold(n, options.folds, options.seed, options.shuffle);
  }
  std::vector<Metrics> results;
  for (size_t i = 0; i < folds.size(); ++i) {
    try {
      results.push_back(fn(folds[i], static_cast<int>(i)));
    } catch (const std::exception& e) {
      STRATA_FAIL("cross_validate: fold {} of {}: {}", i + 1, folds.size(), e.what());
    }
  }
  return aggregate(std::move(results));
}

std::vector<int64_t> dataset_labels(const data::Dataset& dataset) {
  if (const auto* t = dynamic_cast<const data::TensorDataset*>(&dataset)) {
    const Tensor& y = t->targets();
    STRATA_CHECK(y.dim() == 1 && !y.is_floating_point(),
                 "cross_validate: stratified folds need integer class targets of shape [N], got {}",
                 y.shape().str());
    return y.to(kInt64).contiguous().to_vector<int64_t>();
  }
  std::vector<int64_t> labels(static_cast<size_t>(dataset.size()));
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const Tensor y = dataset.get(i).target;
    STRATA_CHECK(y.numel() == 1 && !y.is_floating_point(),
                 "cross_validate: stratified folds need integer class targets, example {} has {}", i,
                 y.shape().str());
    labels[static_cast<size_t>(i)] = static_cast<int64_t>(y.item());
  }
  return labels;
}

CrossValidationResult cross_validate(
    const std::shared_ptr<const data::Dataset>& dataset,
    const std::function<Metrics(std::shared_ptr<const data::Dataset>, std::shared_ptr<const data::Dataset>,
                                int)>& fn,
    const CrossValidationOptions& options) {
  STRATA_CHECK(dataset != nullptr, "cross_validate: the dataset is null");
  const std::vector<int64_t> labels = options.stratified ? dataset_labels(*dataset) : std::vector<int64_t>{};
  return cross_validate(
      dataset->size(),
      [&](const data::table::Fold& fold, int index) {
        auto train = std::make_shared<data::Subset>(dataset, fold.train);
        auto val = std::make_shared<data::Subset>(dataset, fold.test);
        return fn(train, val, index);
      },
      options, labels);
}

}  // namespace strata::tune
