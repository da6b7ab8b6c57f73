// The image datasets of `strata train`: Fashion-MNIST and MNIST, 28x28 grey.
#include "training_data.h"

namespace strata::cli {

std::pair<double, double> image_normalization(const std::string& dataset) {
  return dataset == "mnist" ? std::pair{0.1307, 0.3081} : std::pair{0.2860, 0.3530};
}

// Done once for the whole split rather than per example, in place: one copy of the split in memory.
Tensor prepare_images(const Tensor& images, const Config& c) {
  Tensor x = images.to(kFloat32).unsqueeze(1).contiguous();
  x.mul_(1.0 / 255.0);
  if (c.data.normalize) {
    const auto [mean, std] = image_normalization(c.data.dataset);
    x.add_(-mean).mul_(1.0 / std);
  }
  return x;
}

namespace {

std::shared_ptr<data::TensorDataset> load_split(const Config& c, bool train) {
  data::ImageSplit split = c.data.dataset == "mnist" ? data::load_mnist(train, c.data.root)
                                                     : data::load_fashion_mnist(train, c.data.root);
  const int64_t limit = train ? c.data.limit : c.data.test_limit;
  if (limit > 0 && limit < split.images.size(0)) {
    split.images = split.images.narrow(0, 0, limit);
    split.labels = split.labels.narrow(0, 0, limit);
  }
  return std::make_shared<data::TensorDataset>(prepare_images(split.images, c), split.labels.contiguous());
}

}  // namespace

TrainingData load_image_data(const Config& c, bool with_train) {
  TrainingData d;
  if (with_train) d.train = load_split(c, true);
  d.test = load_split(c, false);
  d.input_shape = Shape{1, 1, 28, 28};
  d.classes = c.data.dataset == "mnist"
                  ? std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
                  : data::FashionMNIST::classes();
  d.description = c.data.dataset;
  return d;
}

}  // namespace strata::cli
