// Object canvases: seeded and deterministic, and every label exact: boxes are the extents of the visible
// silhouettes, the mask names the class on top at each pixel, and the image shows what the mask says.
#include "strata/data/vision/object_canvas.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "test_util.h"

namespace strata::data::vision {
namespace {

// Eight synthetic 28x28 items: filled squares of side 10 + 2i, class i.
ImageSplit squares() {
  std::vector<uint8_t> px(8 * 28 * 28, 0);
  std::vector<int64_t> labels(8);
  for (int64_t i = 0; i < 8; ++i) {
    labels[static_cast<size_t>(i)] = i;
    const int64_t side = 10 + 2 * i, lo = (28 - side) / 2;
    for (int64_t y = lo; y < lo + side; ++y)
      for (int64_t x = lo; x < lo + side; ++x) px[static_cast<size_t>(i * 784 + y * 28 + x)] = 200;
  }
  return {from_vector(px, {8, 28, 28}), from_vector(labels)};
}

TEST(ObjectCanvasDataset, SameSeedSameCanvas) {
  ObjectCanvasDataset a(squares(), {.count = 10, .seed = 3}), b(squares(), {.count = 10, .seed = 3});
  ObjectCanvasDataset c(squares(), {.count = 10, .seed = 4});
  EXPECT_EQ(a.canvas(5).image.to_vector<float>(), b.canvas(5).image.to_vector<float>());
  EXPECT_NE(a.canvas(5).image.to_vector<float>(), c.canvas(5).image.to_vector<float>());
}

TEST(ObjectCanvasDataset, LabelsAreExact) {
  ObjectCanvasDataset ds(squares(), {.count = 40, .max_objects = 5, .max_overlap = 0.5, .seed = 1});
  int64_t total = 0;
  for (int64_t i = 0; i < ds.size(); ++i) {
    const Canvas c = ds.canvas(i);
    const int64_t s = 96, k = c.labels.size(0);
    ASSERT_GE(k, 1);
    ASSERT_LE(k, 5);
    total += k;
    const auto mask = c.mask.to_vector<int64_t>();
    const auto img = c.image.to_vector<float>();
    const auto box = c.boxes.to_vector<float>();
    const auto lab = c.labels.to_vector<int64_t>();
    // Each box touches a pixel of its class on every edge and holds only pixels of classes in the canvas.
    for (int64_t j = 0; j < k; ++j) {
      const auto x1 = static_cast<int64_t>(box[static_cast<size_t>(j * 4)]);
      const auto y1 = static_cast<int64_t>(box[static_cast<size_t>(j * 4 + 1)]);
      const auto x2 = static_cast<int64_t>(box[static_cast<size_t>(j * 4 + 2)]);
      const auto y2 = static_cast<int64_t>(box[static_cast<size_t>(j * 4 + 3)]);
      ASSERT_TRUE(0 <= x1 && x1 < x2 && x2 <= s && 0 <= y1 && y1 < y2 && y2 <= s);
      const int64_t want = lab[static_cast<size_t>(j)] + 1;
      bool left = false, right = false, top = false, bottom = false;
      for (int64_t y = y1; y < y2; ++y) {
        left |= mask[static_cast<size_t>(y * s + x1)] == want;
        right |= mask[static_cast<size_t>(y * s + x2 - 1)] == want;
      }
      for (int64_t x = x1; x < x2; ++x) {
        top |= mask[static_cast<size_t>(y1 * s + x)] == want;
        bottom |= mask[static_cast<size_t>((y2 - 1) * s + x)] == want;
      }
      EXPECT_TRUE(left && right && top && bottom) << "canvas " << i << " box " << j;
    }
    // Every labelled pixel lies in a box of its class and shows the item's ink; background is dark.
    for (int64_t y = 0; y < s; ++y) {
      for (int64_t x = 0; x < s; ++x) {
        const int64_t m = mask[static_cast<size_t>(y * s + x)];
        const float v = img[static_cast<size_t>(y * s + x)];
        if (m == 0) {
          EXPECT_LE(v, 40.0f / 255.0f + 1e-6f);
          continue;
        }
        EXPECT_GT(v, 40.0f / 255.0f);
        bool inside = false;
        for (int64_t j = 0; j < k; ++j) {
          inside |= lab[static_cast<size_t>(j)] + 1 == m && box[static_cast<size_t>(j * 4)] <= x &&
                    x < box[static_cast<size_t>(j * 4 + 2)] && box[static_cast<size_t>(j * 4 + 1)] <= y &&
                    y < box[static_cast<size_t>(j * 4 + 3)];
        }
        ASSERT_TRUE(inside) << "canvas " << i << " pixel " << x << "," << y;
      }
    }
  }
  EXPECT_GT(total, 40 * 2);  // most canvases hold several items
}

TEST(ObjectCanvasDataset, TargetsForBoxesAndMasks) {
  ObjectCanvasDataset boxes(squares(), {.count = 4, .max_objects = 3, .seed = 2});
  const Example e = boxes.get(1);
  EXPECT_EQ(e.input.shape(), Shape({1, 96, 96}));
  EXPECT_EQ(e.target.shape(), Shape({3, 5}));
  const auto [b, l] = boxes_from_target(e.target);
  const Canvas c = boxes.canvas(1);
  EXPECT_EQ(b.to_vector<float>(), c.boxes.to_vector<float>());
  EXPECT_EQ(l.to_vector<int64_t>(), c.labels.to_vector<int64_t>());
  ObjectCanvasDataset masks(squares(), {.count = 4, .canvas_size = 64, .target = CanvasTarget::Mask});
  const Example m = masks.get(0);
  EXPECT_EQ(m.target.shape(), Shape({64, 64}));
  EXPECT_EQ(m.target.dtype(), kInt64);
}

TEST(ObjectCanvasDataset, RejectsBadOptionsAndIndices) {
  EXPECT_THROW(ObjectCanvasDataset(squares(), {.canvas_size = 32, .max_scale = 2.0}), Error);
  EXPECT_THROW(ObjectCanvasDataset(squares(), {.min_objects = 3, .max_objects = 2}), Error);
  EXPECT_THROW(ObjectCanvasDataset(squares(), {.count = 0}), Error);
  EXPECT_THROW(ObjectCanvasDataset({zeros({2, 28, 28}), from_vector<int64_t>({0, 1})}), Error);  // f32 images
  ObjectCanvasDataset ds(squares(), {.count = 3});
  try {
    ds.get(3);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 3 out of range for size 3"), std::string::npos);
  }
  EXPECT_THROW(boxes_from_target(zeros({3, 4})), Error);
}

}  // namespace
}  // namespace strata::data::vision
