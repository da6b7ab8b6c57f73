#pragma once
// Models the attribution tests share: a LeNet-5 trained for seconds on Fashion-MNIST (so its maps mean
// something) and a small smooth classifier.
#include <memory>

#include "strata/data/mnist.h"
#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "strata/optim/adam.h"
#include "strata/strata.h"

namespace strata::testing {

// Fashion-MNIST images [N, 1, 28, 28], normalised as configs/fashion_lenet.yaml trains them.
inline Tensor fashion_normalize(const Tensor& images) { return (images - 0.2860) / 0.3530; }

// LeNet-5 after one pass of Adam over the first 6400 training images (batches of 64), from seed `seed`;
// with `permute_labels` the labels are a seeded random permutation of the true ones (Adebayo et al.'s data
// randomisation). Returned in eval mode.
inline std::shared_ptr<nn::Module> train_lenet(uint64_t seed, bool permute_labels = false) {
  manual_seed(seed);
  std::shared_ptr<nn::Module> m = models::lenet5().ptr();
  const data::FashionMNIST train(true);
  const Tensor x = fashion_normalize(train.inputs().narrow(0, 0, 6400));
  Tensor y = train.targets().narrow(0, 0, 6400).contiguous();
  if (permute_labels) {
    Generator g(seed + 1);
    std::vector<int64_t> labels = y.to_vector<int64_t>();
    for (size_t i = labels.size(); i > 1; --i) std::swap(labels[i - 1], labels[g.engine()() % i]);
    y = from_vector(labels);
  }
  optim::Adam adam(m->parameters(), {.lr = 2e-3});
  m->train();
  for (int64_t start = 0; start < 6400; start += 64) {
    adam.zero_grad();
    F::cross_entropy((*m)(x.narrow(0, start, 64)), y.narrow(0, start, 64)).backward();
    adam.step();
  }
  m->eval();
  return m;
}

// train_lenet(0), built once per process (about 85% test accuracy).
inline std::shared_ptr<nn::Module> trained_lenet() {
  static std::shared_ptr<nn::Module> net = train_lenet(0);
  return net;
}

// The first n Fashion-MNIST test images, normalised.
inline Tensor fashion_test_images(int64_t n) {
  const data::FashionMNIST test(false);
  return fashion_normalize(test.inputs().narrow(0, 0, n)).contiguous();
}

// A smooth classifier [N, 2, 5, 5] -> [N, 4] (Conv2d, Tanh, Linear) in float64, seeded.
inline std::shared_ptr<nn::Module> smooth_classifier(uint64_t seed = 3) {
  manual_seed(seed);
  std::shared_ptr<nn::Module> m =
      nn::Sequential(nn::Conv2d(2, 3, 3, {.padding = 1}), nn::Tanh(), nn::Flatten(), nn::Linear(75, 4)).ptr();
  m->to(kFloat64);
  m->eval();
  return m;
}

}  // namespace strata::testing
