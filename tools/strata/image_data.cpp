// The image datasets of `strata train`: Fashion-MNIST and MNIST, 28x28 grey, with optional augmentation.
#include "data_command.h"
#include "strata/data/image/all.h"
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

// data.augment: the training images stay in [0, 1] so transforms fill with black as the images' own
// background, and the normalisation follows as the pipeline's last transform. A validation split is held
// out here, before augmentation, so it is only normalised.
void load_augmented(const Config& c, TrainingData& d) {
  Config raw = c;
  raw.data.normalize = false;
  std::shared_ptr<const data::Dataset> train = load_split(raw, true);
  std::vector<data::image::TransformSpec> specs, normalize;
  for (const auto& item : c.data.augment) specs.push_back(transform_spec(item, c.path));
  if (c.data.normalize) {
    const auto [mean, std] = image_normalization(c.data.dataset);
    normalize.push_back({.name = "normalize", .numbers = {{"mean", {mean}}, {"std", {std}}}});
    specs.push_back(normalize.back());
  }
  if (c.data.val_fraction > 0) {
    auto parts = data::random_split(train, std::vector<double>{1 - c.data.val_fraction, c.data.val_fraction},
                                    c.training.seed);
    STRATA_CHECK(parts[0]->size() > 0 && parts[1]->size() > 0,
                 "data.val_fraction {} leaves an empty training or validation set ({} examples)",
                 c.data.val_fraction, train->size());
    train = parts[0];
    d.val = normalize.empty() ? std::shared_ptr<const data::Dataset>(parts[1])
                              : std::make_shared<data::image::AugmentedDataset>(
                                    parts[1], data::image::make_pipeline(normalize), c.training.seed);
  }
  d.train = std::make_shared<data::image::AugmentedDataset>(train, data::image::make_pipeline(specs),
                                                            c.training.seed);
}

}  // namespace

TrainingData load_image_data(const Config& c, bool with_train) {
  TrainingData d;
  if (with_train && c.data.augment.IsDefined() && !c.data.augment.IsNull()) {
    load_augmented(c, d);
  } else if (with_train) {
    d.train = load_split(c, true);
  }
  d.test = load_split(c, false);
  d.input_shape = Shape{1, 1, 28, 28};
  d.classes = c.data.dataset == "mnist"
                  ? std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
                  : data::FashionMNIST::classes();
  d.description = c.data.dataset;
  return d;
}

}  // namespace strata::cli
