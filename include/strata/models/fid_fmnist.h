#pragma once
// FID-FMNIST: the Fréchet distance between generated Fashion-MNIST-like images and the 10,000 Fashion-MNIST
// test images, in the feature space of a small strata classifier (FID's recipe with Inception-v3 swapped for
// a network trained on the data itself, as is usual for 28x28 sets). The recipe is fixed so numbers compare:
//   network   FidFmnistNet (zoo name fid_fmnist_cnn): Conv2d(1, 32, 3, pad 1) - ReLU - MaxPool2d(2) -
//             Conv2d(32, 64, 3, pad 1) - ReLU - MaxPool2d(2) - Flatten - Linear(3136, 128) - ReLU [features]
//             - Linear(128, 10); inputs are images in [0, 1] (no normalisation)
//   training  configs/fid_fmnist_classifier.yaml (Adam, one-cycle, 6 epochs, seed 0, ~92% test accuracy),
//             by scripts/train-fid-classifier, which writes the checkpoint to
//             ~/.cache/strata/fid_fmnist/classifier.safetensors (default_fid_fmnist_checkpoint())
//   features  the 128 ReLU outputs of the penultimate layer, in eval mode
//   score     metrics::frechet_distance(features of N generated images, features of the 10,000 test images)
// Scores depend on the checkpoint: compare numbers from the same one (docs/generative.md states ours).
#include <cstdint>
#include <string>

#include "strata/metrics/frechet.h"
#include "strata/nn/container.h"
#include "strata/nn/linear.h"

namespace strata::models {

// The FID-FMNIST classifier: features (penultimate ReLU outputs) and the final linear layer.
class FidFmnistNetImpl : public nn::Module {
 public:
  static constexpr int64_t kFeatures = 128;  // width of the feature vector
  explicit FidFmnistNetImpl(int64_t num_classes = 10, int64_t in_channels = 1);
  // [N, in_channels, 28, 28] images in [0, 1] -> [N, num_classes] logits.
  Tensor forward(const Tensor& x) override;
  // [N, in_channels, 28, 28] images in [0, 1] -> [N, 128] penultimate-layer features.
  Tensor features_of(const Tensor& x);

  nn::Sequential features;
  nn::Linear classifier;

 private:
  int64_t in_channels_;
};
STRATA_MODULE_HOLDER(FidFmnistNet);

// $STRATA_FID_CHECKPOINT when set, else ~/.cache/strata/fid_fmnist/classifier.safetensors.
std::string default_fid_fmnist_checkpoint();

// Scores generated images against the Fashion-MNIST test set. Images are f32 [N, 1, 28, 28] in [0, 1] (map a
// tanh generator's [-1, 1] output with (x + 1) / 2 first); values outside [0, 1] raise an error.
class FidFmnist {
 public:
  // Loads the classifier from `checkpoint` (a `strata train` checkpoint of
  // configs/fid_fmnist_classifier.yaml, or its state dict) and the test-set features from Fashion-MNIST under
  // `data_root` (default data::fashion_mnist_root()). A missing checkpoint raises an error naming
  // scripts/train-fid-classifier.
  explicit FidFmnist(const std::string& checkpoint = default_fid_fmnist_checkpoint(),
                     const std::string& data_root = "");
  // Penultimate-layer features of images in [0, 1]: [N, 128] f32.
  Tensor features(const Tensor& images);
  // Predicted classes of images in [0, 1]: i64 [N].
  Tensor predict(const Tensor& images);
  // FID-FMNIST of images in [0, 1] (at least 2; 10,000 for reported numbers) against the 10,000 test images.
  double score(const Tensor& images);
  // How often the classifier puts images of class labels[i] in that class (accuracy on conditional samples).
  double class_accuracy(const Tensor& images, const Tensor& labels);
  // The classifier's accuracy on the test set (the sanity figure of the recipe).
  double test_accuracy() const { return test_accuracy_; }
  // The test set's feature statistics.
  const metrics::GaussianStats& reference() const { return reference_; }
  FidFmnistNet& net() { return net_; }

 private:
  FidFmnistNet net_;
  metrics::GaussianStats reference_;
  double test_accuracy_ = 0;
};

}  // namespace strata::models
