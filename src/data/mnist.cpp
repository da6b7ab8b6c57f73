#include "strata/data/mnist.h"

#include <cstdlib>
#include <filesystem>

#include "strata/data/idx.h"

namespace strata::data {

std::string fashion_mnist_root() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/fashion-mnist";
  return "/usr/share/datasets/fashion-mnist";
}

ImageSplit load_fashion_mnist(bool train, const std::string& root) {
  const std::string dir = root.empty() ? fashion_mnist_root() : root;
  const std::string prefix = train ? "train" : "t10k";
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  for (const std::string& f : {images, labels}) {
    STRATA_CHECK(std::filesystem::exists(f),
                 "Fashion-MNIST file {} is missing; install the Debian package dataset-fashion-mnist "
                 "(make deps does) or point STRATA_DATA at a folder holding fashion-mnist/",
                 f);
  }
  ImageSplit split{read_idx(images), read_idx(labels)};
  STRATA_CHECK(
      split.images.dim() == 3 && split.labels.dim() == 1 && split.images.size(0) == split.labels.size(0),
      "Fashion-MNIST in {}: images {} and labels {} do not match", dir, split.images.shape().str(),
      split.labels.shape().str());
  split.labels = split.labels.to(kInt64);
  return split;
}

}  // namespace strata::data
