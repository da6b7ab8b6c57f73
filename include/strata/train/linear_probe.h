#pragma once
// Linear-probe evaluation of a representation: the encoder is frozen (run once, in eval mode, without
// gradients), its features are standardised with the training features' mean and std, and a multinomial
// logistic regression (one nn::Linear, cross-entropy, Adam with L2 weight decay) is trained on them; the
// test accuracy measures how linearly separable the classes are in feature space.
#include <vector>

#include "strata/nn/module.h"

namespace strata::train {

// The features encoder(images) [N, F] (flattened), computed in eval mode without gradients in batches of
// batch_size; the encoder's train/eval mode is restored afterwards.
Tensor extract_features(nn::Module& encoder, const Tensor& images, int64_t batch_size = 500);

// Indices of a seeded, stratified share of labels [N] (i64): round(fraction * count) of every class (at least
// one of each class present), sorted.
std::vector<int64_t> stratified_subset(const Tensor& labels, double fraction, uint64_t seed);

struct LinearProbeOptions {
  int64_t epochs = 100;
  int64_t batch_size = 256;
  double lr = 0.01;            // Adam
  double weight_decay = 1e-4;  // L2 on the weights
  uint64_t seed = 0;           // of the batch order (the head starts from zeros)
};

struct LinearProbeResult {
  double train_accuracy = 0.0;
  double test_accuracy = 0.0;
};

// Trains a logistic-regression head on train_features [N, F] / train_labels [N] (classes labels 0..C-1) and
// reports its accuracy on the training and test features.
LinearProbeResult linear_probe(const Tensor& train_features, const Tensor& train_labels,
                               const Tensor& test_features, const Tensor& test_labels, int64_t classes,
                               const LinearProbeOptions& options = {});

}  // namespace strata::train
