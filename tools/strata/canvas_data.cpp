// The object-canvas sources of `strata train`: fashion-detection (targets: padded boxes) and
// fashion-segmentation (targets: class masks with 0 for background), 96x96 canvases of 1 to 4
// Fashion-MNIST items composed by data::vision::ObjectCanvasDataset. Training canvases come from the
// training images (data.limit canvases, default 4000, seeded by training.seed), test canvases from the test
// images (data.test_limit, default 1000, a fixed seed so every run scores the same canvases).
#include "strata/data/mnist.h"
#include "strata/data/vision/object_canvas.h"
#include "training_data.h"

namespace strata::cli {

bool is_canvas_dataset(const std::string& dataset) {
  return dataset == "fashion-detection" || dataset == "fashion-segmentation";
}

TrainingData load_canvas_data(const Config& c, bool with_train) {
  using data::vision::CanvasTarget;
  using data::vision::ObjectCanvasDataset;
  const bool masks = c.data.dataset == "fashion-segmentation";
  const data::vision::ObjectCanvasOptions base{.target = masks ? CanvasTarget::Mask : CanvasTarget::Boxes};
  TrainingData d;
  auto options = [&](int64_t count, uint64_t seed) {
    data::vision::ObjectCanvasOptions o = base;
    o.count = count;
    o.seed = seed;
    return o;
  };
  if (with_train) {
    d.train = std::make_shared<ObjectCanvasDataset>(
        data::load_fashion_mnist(true, c.data.root),
        options(c.data.limit > 0 ? c.data.limit : 4000, c.training.seed));
  }
  d.test = std::make_shared<ObjectCanvasDataset>(
      data::load_fashion_mnist(false, c.data.root),
      options(c.data.test_limit > 0 ? c.data.test_limit : 1000, 1000003));
  d.input_shape = {1, 1, base.canvas_size, base.canvas_size};
  if (masks) d.classes.push_back("background");
  for (const auto& name : data::FashionMNIST::classes()) d.classes.push_back(name);
  d.description = c.data.dataset;
  return d;
}

}  // namespace strata::cli
