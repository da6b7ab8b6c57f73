#pragma once
// Object canvases for detection and segmentation: square grey canvases composed from small source images
// (Fashion-MNIST items) pasted at random positions and scales by a seeded generator. Each canvas comes with
// exact labels: a per-pixel class mask from the items' silhouettes and one box per visible item, both taken
// after occlusion (a later item covers an earlier one), so a box is the extent of what can be seen.
//
//   ObjectCanvasDataset train(load_fashion_mnist(true), {.count = 4000, .seed = 0});
//   Canvas c = train.canvas(7);  // c.image f32 [1, 96, 96], c.mask i64 [96, 96], c.boxes f32 [K, 4]
#include <cstdint>
#include <string>

#include "strata/core/tensor.h"
#include "strata/data/dataset.h"
#include "strata/data/mnist.h"

namespace strata::data::vision {

// What a canvas dataset's examples hold as their target.
enum class CanvasTarget {
  Boxes,  // f32 [max_objects, 5]: (class, x1, y1, x2, y2) per item, rows past the items' count are -1
  Mask,   // i64 [H, W]: 0 for background, class + 1 on an item's visible silhouette
};

struct ObjectCanvasOptions {
  int64_t count = 1000;      // canvases in the dataset
  int64_t canvas_size = 96;  // height and width
  int64_t min_objects = 1;   // items per canvas, drawn uniformly in [min_objects, max_objects]
  int64_t max_objects = 4;
  double min_scale = 0.8;  // an item is resized from 28x28 by a factor in [min_scale, max_scale]
  double max_scale = 1.6;
  double max_overlap = 0.25;      // an item's box may overlap the boxes placed before by at most this IoU
  int silhouette_threshold = 40;  // a resized pixel (0..255) above this belongs to the item's silhouette
  uint64_t seed = 0;              // canvas i depends only on (seed, i)
  CanvasTarget target = CanvasTarget::Boxes;
};

// One composed canvas.
struct Canvas {
  Tensor image;   // f32 [1, S, S] in [0, 1]
  Tensor mask;    // i64 [S, S]: 0 background, class + 1 on visible silhouettes
  Tensor boxes;   // f32 [K, 4] (x1, y1, x2, y2) in pixels, x2/y2 exclusive, one per visible item
  Tensor labels;  // i64 [K] class of each box
};

// Canvases from the images and labels of `source` (u8 [N, 28, 28], i64 [N]; items drawn uniformly).
class ObjectCanvasDataset : public Dataset {
 public:
  ObjectCanvasDataset(ImageSplit source, ObjectCanvasOptions options = {});
  int64_t size() const override { return options_.count; }
  // (image, target) with the target the options name.
  Example get(int64_t index) const override;
  // The canvas at `index` with every label; throws naming the index and size when out of range.
  Canvas canvas(int64_t index) const;
  const ObjectCanvasOptions& options() const { return options_; }

 private:
  ImageSplit source_;
  ObjectCanvasOptions options_;
};

// The (class, x1, y1, x2, y2) rows of a boxes target [max_objects, 5] that hold an item (class >= 0), as
// boxes f32 [K, 4] and labels i64 [K].
std::pair<Tensor, Tensor> boxes_from_target(const Tensor& target);

}  // namespace strata::data::vision
