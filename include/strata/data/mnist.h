#pragma once
// MNIST-format image classification sets as tensors (the DataLoader-facing datasets build on these).
#include <string>

#include "strata/core/tensor.h"

namespace strata::data {

struct ImageSplit {
  Tensor images;  // u8 [N, 28, 28]
  Tensor labels;  // i64 [N]
};

// The folder Fashion-MNIST is read from: $STRATA_DATA/fashion-mnist when STRATA_DATA is set, else the
// Debian package's folder /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_root();

// Loads the train (60000) or test (10000) split of Fashion-MNIST from `root` (default above).
// A missing file raises an error that names the Debian package that installs it.
ImageSplit load_fashion_mnist(bool train, const std::string& root = "");

}  // namespace strata::data
