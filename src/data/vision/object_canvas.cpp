// Object canvases: items are resized (bilinear), placed one after another where their box overlaps the
// earlier boxes by at most max_overlap and every earlier item keeps at least half of its silhouette in
// view, then painted in order. The mask and the boxes are read from the final ownership map (which item's
// silhouette is on top at each pixel), so they describe exactly what the image shows.
#include "strata/data/vision/object_canvas.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::vision {
namespace {

// A well-mixed 64-bit seed for canvas `index` (SplitMix64 of seed and index).
uint64_t canvas_seed(uint64_t seed, int64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(index) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// `src` (u8 n x n) resized to s x s with bilinear interpolation (half-pixel centres), as 0..255 floats.
std::vector<float> resize(const uint8_t* src, int64_t n, int64_t s) {
  std::vector<float> out(static_cast<size_t>(s * s));
  const double ratio = static_cast<double>(n) / static_cast<double>(s);
  for (int64_t y = 0; y < s; ++y) {
    const double fy =
        std::clamp((static_cast<double>(y) + 0.5) * ratio - 0.5, 0.0, static_cast<double>(n - 1));
    const int64_t y0 = static_cast<int64_t>(fy), y1 = std::min(y0 + 1, n - 1);
    const double wy = fy - static_cast<double>(y0);
    for (int64_t x = 0; x < s; ++x) {
      const double fx =
          std::clamp((static_cast<double>(x) + 0.5) * ratio - 0.5, 0.0, static_cast<double>(n - 1));
      const int64_t x0 = static_cast<int64_t>(fx), x1 = std::min(x0 + 1, n - 1);
      const double wx = fx - static_cast<double>(x0);
      const double top = src[y0 * n + x0] * (1 - wx) + src[y0 * n + x1] * wx;
      const double bottom = src[y1 * n + x0] * (1 - wx) + src[y1 * n + x1] * wx;
      out[static_cast<size_t>(y * s + x)] = static_cast<float>(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

struct Item {
  int64_t label = 0;
  int64_t x = 0, y = 0, s = 0;  // top-left corner and side
  std::vector<float> pixels;    // s x s, 0..255
  int64_t silhouette = 0;       // pixels above the threshold
};

double box_iou(const Item& a, const Item& b) {
  const double iw = std::max<int64_t>(0, std::min(a.x + a.s, b.x + b.s) - std::max(a.x, b.x));
  const double ih = std::max<int64_t>(0, std::min(a.y + a.s, b.y + b.s) - std::max(a.y, b.y));
  const double inter = iw * ih;
  return inter / (static_cast<double>(a.s * a.s + b.s * b.s) - inter);
}

bool on_silhouette(const Item& it, int64_t px, int64_t py, float threshold) {
  if (px < it.x || py < it.y || px >= it.x + it.s || py >= it.y + it.s) return false;
  return it.pixels[static_cast<size_t>((py - it.y) * it.s + (px - it.x))] > threshold;
}

// Index of the topmost item whose silhouette covers each pixel (-1: none).
std::vector<int> ownership(const std::vector<Item>& items, int64_t size, float threshold) {
  std::vector<int> owner(static_cast<size_t>(size * size), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    for (int64_t y = it.y; y < it.y + it.s; ++y) {
      for (int64_t x = it.x; x < it.x + it.s; ++x) {
        if (on_silhouette(it, x, y, threshold))
          owner[static_cast<size_t>(y * size + x)] = static_cast<int>(i);
      }
    }
  }
  return owner;
}

}  // namespace

ObjectCanvasDataset::ObjectCanvasDataset(ImageSplit source, ObjectCanvasOptions options)
    : source_(std::move(source)), options_(options) {
  const ObjectCanvasOptions& o = options_;
  STRATA_CHECK(source_.images.defined() && source_.images.dtype() == kUInt8 && source_.images.dim() == 3 &&
                   source_.images.size(1) == source_.images.size(2) && source_.images.size(0) > 0,
               "ObjectCanvasDataset: source images must be u8 [N, H, H] with N > 0, got {}",
               source_.images.defined() ? source_.images.shape().str() : std::string("none"));
  STRATA_CHECK(source_.labels.defined() && source_.labels.dtype() == kInt64 && source_.labels.dim() == 1 &&
                   source_.labels.size(0) == source_.images.size(0),
               "ObjectCanvasDataset: source labels must be i64 [{}], got {}", source_.images.size(0),
               source_.labels.defined() ? source_.labels.shape().str() : std::string("none"));
  STRATA_CHECK(o.count > 0, "ObjectCanvasDataset: count must be positive, got {}", o.count);
  STRATA_CHECK(o.min_objects >= 1 && o.max_objects >= o.min_objects,
               "ObjectCanvasDataset: need 1 <= min_objects <= max_objects, got {} and {}", o.min_objects,
               o.max_objects);
  STRATA_CHECK(o.min_scale > 0 && o.max_scale >= o.min_scale,
               "ObjectCanvasDataset: need 0 < min_scale <= max_scale, got {} and {}", o.min_scale,
               o.max_scale);
  const int64_t side =
      static_cast<int64_t>(std::lround(static_cast<double>(source_.images.size(1)) * o.max_scale));
  STRATA_CHECK(
      o.canvas_size >= side,
      "ObjectCanvasDataset: canvas_size {} is smaller than the largest item ({} pixels at max_scale {})",
      o.canvas_size, side, o.max_scale);
  STRATA_CHECK(o.max_overlap >= 0 && o.max_overlap <= 1,
               "ObjectCanvasDataset: max_overlap must be in [0, 1], got {}", o.max_overlap);
  STRATA_CHECK(o.silhouette_threshold >= 0 && o.silhouette_threshold < 255,
               "ObjectCanvasDataset: silhouette_threshold must be in [0, 255), got {}",
               o.silhouette_threshold);
  source_.images = source_.images.contiguous();
  source_.labels = source_.labels.contiguous();
}

Canvas ObjectCanvasDataset::canvas(int64_t index) const {
  const ObjectCanvasOptions& o = options_;
  STRATA_CHECK(index >= 0 && index < o.count, "ObjectCanvasDataset: index {} out of range for size {}", index,
               o.count);
  std::mt19937_64 rng(canvas_seed(o.seed, index));
  const int64_t n = source_.images.size(1), size = o.canvas_size;
  const float threshold = static_cast<float>(o.silhouette_threshold);
  const uint8_t* images = source_.images.data_ptr<uint8_t>();
  const int64_t* labels = source_.labels.data_ptr<int64_t>();
  const int64_t wanted = std::uniform_int_distribution<int64_t>(o.min_objects, o.max_objects)(rng);
  std::uniform_int_distribution<int64_t> pick(0, source_.images.size(0) - 1);
  std::uniform_real_distribution<double> scale(o.min_scale, o.max_scale);

  std::vector<Item> items;
  for (int64_t k = 0; k < wanted; ++k) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      Item it;
      const int64_t src = pick(rng);
      it.label = labels[src];
      it.s = std::max<int64_t>(4, static_cast<int64_t>(std::lround(static_cast<double>(n) * scale(rng))));
      it.x = std::uniform_int_distribution<int64_t>(0, size - it.s)(rng);
      it.y = std::uniform_int_distribution<int64_t>(0, size - it.s)(rng);
      it.pixels = resize(images + src * n * n, n, it.s);
      it.silhouette =
          std::count_if(it.pixels.begin(), it.pixels.end(), [&](float v) { return v > threshold; });
      if (it.silhouette == 0) continue;
      bool ok = std::all_of(items.begin(), items.end(),
                            [&](const Item& p) { return box_iou(p, it) <= o.max_overlap; });
      if (!ok) continue;
      items.push_back(std::move(it));
      // Every earlier item must keep at least half of its silhouette in view.
      const std::vector<int> owner = ownership(items, size, threshold);
      std::vector<int64_t> visible(items.size(), 0);
      for (int w : owner) {
        if (w >= 0) ++visible[static_cast<size_t>(w)];
      }
      for (size_t i = 0; i + 1 < items.size(); ++i) ok = ok && 2 * visible[i] >= items[i].silhouette;
      if (ok) break;
      items.pop_back();
    }
  }

  const std::vector<int> owner = ownership(items, size, threshold);
  Canvas c;
  c.image = zeros({1, size, size});
  c.mask = zeros({size, size}, {.dtype = kInt64});
  float* img = c.image.data_ptr<float>();
  int64_t* mask = c.mask.data_ptr<int64_t>();
  // Pixels below the threshold (an item's faint rim) show the topmost item that has one there.
  for (const Item& it : items) {
    for (int64_t y = 0; y < it.s; ++y) {
      for (int64_t x = 0; x < it.s; ++x) {
        const float v = it.pixels[static_cast<size_t>(y * it.s + x)];
        if (v > 0) img[(it.y + y) * size + it.x + x] = v / 255.0f;
      }
    }
  }
  std::vector<int64_t> x1(items.size(), size), y1(items.size(), size), x2(items.size(), -1),
      y2(items.size(), -1);
  for (int64_t y = 0; y < size; ++y) {
    for (int64_t x = 0; x < size; ++x) {
      const int w = owner[static_cast<size_t>(y * size + x)];
      if (w < 0) continue;
      const Item& it = items[static_cast<size_t>(w)];
      img[y * size + x] = it.pixels[static_cast<size_t>((y - it.y) * it.s + (x - it.x))] / 255.0f;
      mask[y * size + x] = it.label + 1;
      const auto i = static_cast<size_t>(w);
      x1[i] = std::min(x1[i], x);
      y1[i] = std::min(y1[i], y);
      x2[i] = std::max(x2[i], x + 1);
      y2[i] = std::max(y2[i], y + 1);
    }
  }
  std::vector<float> boxes;
  std::vector<int64_t> box_labels;
  for (size_t i = 0; i < items.size(); ++i) {
    if (x2[i] < 0) continue;  // wholly covered (cannot happen with the half-visible rule, kept for safety)
    boxes.insert(boxes.end(), {static_cast<float>(x1[i]), static_cast<float>(y1[i]),
                               static_cast<float>(x2[i]), static_cast<float>(y2[i])});
    box_labels.push_back(items[i].label);
  }
  const auto k = static_cast<int64_t>(box_labels.size());
  c.boxes = from_vector(boxes, {k, 4});
  c.labels = from_vector(box_labels, {k});
  return c;
}

Example ObjectCanvasDataset::get(int64_t index) const {
  Canvas c = canvas(index);
  if (options_.target == CanvasTarget::Mask) return {c.image, c.mask};
  Tensor target = full({options_.max_objects, 5}, -1.0);
  float* t = target.data_ptr<float>();
  const float* b = c.boxes.data_ptr<float>();
  const int64_t* l = c.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < c.labels.size(0); ++i) {
    t[i * 5] = static_cast<float>(l[i]);
    std::copy(b + i * 4, b + i * 4 + 4, t + i * 5 + 1);
  }
  return {c.image, target};
}

std::pair<Tensor, Tensor> boxes_from_target(const Tensor& target) {
  STRATA_CHECK(target.defined() && target.dim() == 2 && target.size(1) == 5,
               "boxes_from_target: target must be [max_objects, 5] (class, x1, y1, x2, y2), got {}",
               target.defined() ? target.shape().str() : std::string("none"));
  const Tensor t = target.to(kFloat32).contiguous();
  const float* p = t.data_ptr<float>();
  std::vector<float> boxes;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < t.size(0); ++i) {
    if (p[i * 5] < 0) continue;
    labels.push_back(static_cast<int64_t>(p[i * 5]));
    boxes.insert(boxes.end(), p + i * 5 + 1, p + i * 5 + 5);
  }
  const auto k = static_cast<int64_t>(labels.size());
  return {from_vector(boxes, {k, 4}), from_vector(labels, {k})};
}

}  // namespace strata::data::vision
