#include "strata/models/fid_fmnist.h"

#include <cstdlib>
#include <filesystem>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/data/mnist.h"
#include "strata/io/model_state.h"
#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/pooling.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"

namespace strata::models {
namespace {

constexpr int64_t kBatch = 500;  // images per forward pass when scoring

// Runs `fn` over `images` in batches and concatenates the results along dim 0.
template <typename F>
Tensor batched(const Tensor& images, F fn) {
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < images.size(0); start += kBatch)
    parts.push_back(fn(images.slice(0, start, std::min(images.size(0), start + kBatch))));
  return parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
}

void check_images(const Tensor& images, int64_t in_channels) {
  STRATA_CHECK(images.defined() && images.dim() == 4 && images.size(1) == in_channels &&
                   images.size(2) == 28 && images.size(3) == 28 && images.size(0) >= 1,
               "fid_fmnist: expected images [N, {}, 28, 28], got {}", in_channels,
               images.defined() ? images.shape().str() : "undefined");
  STRATA_CHECK(is_floating(images.dtype()), "fid_fmnist: images must be floating point in [0, 1], got {}",
               dtype_name(images.dtype()));
  const double lo = images.min().item<double>(), hi = images.max().item<double>();
  STRATA_CHECK(lo >= -1e-6 && hi <= 1 + 1e-6,
               "fid_fmnist: images must be in [0, 1], got values in [{:.4g}, {:.4g}] (map a tanh generator's "
               "[-1, 1] output with (x + 1) / 2)",
               lo, hi);
}

}  // namespace

FidFmnistNetImpl::FidFmnistNetImpl(int64_t num_classes, int64_t in_channels)
    : Module("FidFmnistNet"), classifier(kFeatures, num_classes), in_channels_(in_channels) {
  STRATA_CHECK(num_classes > 0, "fid_fmnist_cnn: num_classes must be positive, got {}", num_classes);
  STRATA_CHECK(in_channels > 0, "fid_fmnist_cnn: in_channels must be positive, got {}", in_channels);
  features = nn::Sequential(nn::Conv2d(in_channels, 32, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                            nn::Conv2d(32, 64, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                            nn::Flatten(), nn::Linear(64 * 7 * 7, kFeatures), nn::ReLU());
  register_module("features", features.ptr());
  register_module("classifier", classifier.ptr());
}

Tensor FidFmnistNetImpl::features_of(const Tensor& x) {
  STRATA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == in_channels_ && x.size(2) == 28 && x.size(3) == 28,
               "fid_fmnist_cnn: expected images [N, {}, 28, 28], got {}", in_channels_,
               x.defined() ? x.shape().str() : "undefined");
  return features->forward(x);
}

Tensor FidFmnistNetImpl::forward(const Tensor& x) { return classifier->forward(features_of(x)); }

std::string default_fid_fmnist_checkpoint() {
  if (const char* env = std::getenv("STRATA_FID_CHECKPOINT"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/strata/fid_fmnist/classifier.safetensors";
}

FidFmnist::FidFmnist(const std::string& checkpoint, const std::string& data_root) {
  STRATA_CHECK(std::filesystem::is_regular_file(checkpoint),
               "fid_fmnist: no classifier checkpoint at {}; train it with scripts/train-fid-classifier (the "
               "recipe in configs/fid_fmnist_classifier.yaml)",
               checkpoint);
  try {
    net_->load_state_dict(io::load_model_state(checkpoint));
  } catch (const Error& e) {
    STRATA_FAIL("fid_fmnist: {} is not a checkpoint of configs/fid_fmnist_classifier.yaml: {}", checkpoint,
                e.what());
  }
  net_->eval();
  const data::FashionMNIST test(false, data_root);
  const Tensor images = test.inputs();
  const Tensor feats = features(images);
  reference_ = metrics::gaussian_stats(feats);
  NoGradGuard no_grad;
  const Tensor predicted = batched(images, [&](const Tensor& x) { return net_->forward(x).argmax(1); });
  test_accuracy_ = ops::eq(predicted, test.targets()).to(kFloat64).mean().item<double>();
}

Tensor FidFmnist::features(const Tensor& images) {
  check_images(images, 1);
  NoGradGuard no_grad;
  net_->eval();
  return batched(images.to(kFloat32), [&](const Tensor& x) { return net_->features_of(x); });
}

Tensor FidFmnist::predict(const Tensor& images) {
  check_images(images, 1);
  NoGradGuard no_grad;
  net_->eval();
  return batched(images.to(kFloat32), [&](const Tensor& x) { return net_->forward(x).argmax(1); });
}

double FidFmnist::score(const Tensor& images) {
  STRATA_CHECK(images.defined() && images.dim() >= 1 && images.size(0) >= 2,
               "fid_fmnist: scoring needs at least 2 images (10,000 for reported numbers), got {}",
               images.defined() ? images.shape().str() : "undefined");
  return metrics::frechet_distance(metrics::gaussian_stats(features(images)), reference_);
}

double FidFmnist::class_accuracy(const Tensor& images, const Tensor& labels) {
  STRATA_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1 && images.defined() &&
                   images.dim() >= 1 && labels.size(0) == images.size(0),
               "fid_fmnist: class_accuracy needs i64 labels [N] for N images, got labels {} for images {}",
               labels.defined() ? labels.shape().str() : "undefined",
               images.defined() ? images.shape().str() : "undefined");
  return ops::eq(predict(images), labels).to(kFloat64).mean().item<double>();
}

}  // namespace strata::models
