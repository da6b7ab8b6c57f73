#include "strata/train/linear_probe.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/optim/adam.h"

namespace strata::train {
namespace {

double accuracy(const Tensor& weight, const Tensor& bias, const Tensor& features, const Tensor& labels) {
  NoGradGuard no_grad;
  const Tensor predicted = ops::argmax(ops::linear(features, weight, bias), 1);
  return ops::mean(ops::eq(predicted, labels).to(kFloat64)).item<double>();
}

}  // namespace

Tensor extract_features(nn::Module& encoder, const Tensor& images, int64_t batch_size) {
  STRATA_CHECK(images.dim() >= 2, "extract_features: images must be [N, ...], got {}", images.shape().str());
  STRATA_CHECK(batch_size >= 1, "extract_features: batch_size must be at least 1, got {}", batch_size);
  NoGradGuard no_grad;
  const bool was_training = encoder.is_training();
  encoder.eval();
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < images.size(0); start += batch_size) {
    const int64_t len = std::min(batch_size, images.size(0) - start);
    parts.push_back(encoder.forward(images.narrow(0, start, len)).flatten(1));
  }
  encoder.train(was_training);
  return ops::cat(parts, 0);
}

std::vector<int64_t> stratified_subset(const Tensor& labels, double fraction, uint64_t seed) {
  STRATA_CHECK(labels.dim() == 1 && labels.dtype() == kInt64,
               "stratified_subset: labels must be i64 [N], got {} {}", dtype_name(labels.dtype()),
               labels.shape().str());
  STRATA_CHECK(fraction > 0.0 && fraction <= 1.0, "stratified_subset: fraction must be in (0, 1], got {}",
               fraction);
  const std::vector<int64_t> y = labels.to_vector<int64_t>();
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (size_t i = 0; i < y.size(); ++i) by_class[y[i]].push_back(static_cast<int64_t>(i));
  std::mt19937_64 rng(seed);
  std::vector<int64_t> chosen;
  for (auto& [label, rows] : by_class) {
    std::shuffle(rows.begin(), rows.end(), rng);
    const auto take = std::max<int64_t>(1, std::llround(fraction * static_cast<double>(rows.size())));
    chosen.insert(chosen.end(), rows.begin(), rows.begin() + std::min<int64_t>(take, rows.size()));
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

LinearProbeResult linear_probe(const Tensor& train_features, const Tensor& train_labels,
                               const Tensor& test_features, const Tensor& test_labels, int64_t classes,
                               const LinearProbeOptions& options) {
  STRATA_CHECK(train_features.dim() == 2 && test_features.dim() == 2 &&
                   train_features.size(1) == test_features.size(1),
               "linear_probe: features must be [N, F] with one F, got train {} and test {}",
               train_features.shape().str(), test_features.shape().str());
  STRATA_CHECK(train_labels.dim() == 1 && train_labels.size(0) == train_features.size(0) &&
                   test_labels.dim() == 1 && test_labels.size(0) == test_features.size(0),
               "linear_probe: labels train {} / test {} must be [N] for features train {} / test {}",
               train_labels.shape().str(), test_labels.shape().str(), train_features.shape().str(),
               test_features.shape().str());
  STRATA_CHECK(classes >= 2, "linear_probe: needs at least 2 classes, got {}", classes);
  STRATA_CHECK(options.epochs >= 1 && options.batch_size >= 1,
               "linear_probe: epochs ({}) and batch_size ({}) must be at least 1", options.epochs,
               options.batch_size);
  // Standardise with the training features' statistics (the probe sees nothing of the test set).
  const Tensor mean = ops::mean(train_features, {0}, true);
  const Tensor std = ops::add(ops::std(train_features, {0}, false, true), 1e-6);
  const Tensor x_train = ((train_features - mean) / std).contiguous();
  const Tensor x_test = ((test_features - mean) / std).contiguous();
  // Logistic regression is convex: starting from zeros makes the probe depend on the batch order alone.
  const Tensor weight = zeros({classes, x_train.size(1)}, {.dtype = x_train.dtype()}).requires_grad_();
  const Tensor bias = zeros({classes}, {.dtype = x_train.dtype()}).requires_grad_();
  optim::Adam adam({weight, bias}, {.lr = options.lr});
  const int64_t n = x_train.size(0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(options.seed);
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (int64_t start = 0; start < n; start += options.batch_size) {
      const int64_t end = std::min(n, start + options.batch_size);
      const Tensor idx = from_vector(std::vector<int64_t>(order.begin() + start, order.begin() + end));
      const Tensor logits = ops::linear(ops::index_select(x_train, 0, idx), weight, bias);
      Tensor loss = ops::cross_entropy(logits, ops::index_select(train_labels, 0, idx));
      if (options.weight_decay > 0) loss = loss + ops::sum(ops::square(weight)) * options.weight_decay;
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
  }
  return {accuracy(weight, bias, x_train, train_labels), accuracy(weight, bias, x_test, test_labels)};
}

}  // namespace strata::train
