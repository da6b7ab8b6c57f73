#pragma once
// Augmentation transforms with torchvision's names and semantics. Randomness is explicit: every transform is
// called as t(image, generator) and draws only from that generator, so a pipeline's output depends only on
// the image and the generator's state (never on a global generator or on thread timing). AugmentedDataset
// (augmented_dataset.h) hands each sample of each epoch its own generator, which makes augmentation
// deterministic for a seed, different per sample and per epoch, and independent of DataLoader workers.
//
//   image::Compose aug({image::RandomCrop({28, 28}, {.padding = image::Padding::all(2)}),
//                       image::RandomHorizontalFlip(), image::RandomRotation(10)});
//   auto train = std::make_shared<image::AugmentedDataset>(dataset, aug, /*seed=*/1);
//
// Images are [..., C, H, W] tensors (u8, f32 or f64; see functional.h); colour transforms need C = 1 or 3.
#include <array>
#include <functional>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/image/functional.h"
#include "strata/data/transforms.h"

namespace strata::data::image {

// A per-sample transform that may draw random numbers from the generator it is given.
using RandomTransform = std::function<Tensor(const Tensor&, Generator&)>;

// A deterministic transform (e.g. transforms::to_float()) as a RandomTransform that ignores the generator.
RandomTransform lift(transforms::Transform transform);

// Applies the transforms left to right with the same generator.
class Compose {
 public:
  explicit Compose(std::vector<RandomTransform> transforms);
  Tensor operator()(const Tensor& img, Generator& gen) const;
  const std::vector<RandomTransform>& transforms() const { return transforms_; }

 private:
  std::vector<RandomTransform> transforms_;
};

// Applies `transform` with probability p.
class RandomApply {
 public:
  explicit RandomApply(RandomTransform transform, double p = 0.5);
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  RandomTransform transform_;
  double p_;
};

// Flips left-right with probability p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  double p_;
};

// Flips top-bottom with probability p.
class RandomVerticalFlip {
 public:
  explicit RandomVerticalFlip(double p = 0.5);
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  double p_;
};

// Rotates by an angle uniform in [-degrees, degrees] (or in [lo, hi]), counter-clockwise.
class RandomRotation {
 public:
  explicit RandomRotation(double degrees, WarpOptions options = {});
  RandomRotation(std::array<double, 2> degrees, WarpOptions options = {});
  Tensor operator()(const Tensor& img, Generator& gen) const;
  // The angle one call would draw.
  double sample_angle(Generator& gen) const;

 private:
  std::array<double, 2> degrees_;
  WarpOptions options_;
};

struct RandomAffineOptions {
  std::array<double, 2> degrees = {0.0, 0.0};    // rotation range (clockwise, as torchvision's affine)
  std::array<double, 2> translate = {0.0, 0.0};  // max |shift| as fractions of width and height
  std::array<double, 2> scale = {1.0, 1.0};      // scale range
  // Shear in degrees: {} none; {a, b}: x-shear in [a, b]; {a, b, c, d}: x in [a, b] and y in [c, d].
  std::vector<double> shear = {};
  Interpolation interpolation = Interpolation::Nearest;
  std::vector<double> fill = {0.0};
  std::optional<std::array<double, 2>> center{};
};

// Random rotation, translation, scale and shear (torchvision's RandomAffine).
class RandomAffine {
 public:
  explicit RandomAffine(RandomAffineOptions options);
  Tensor operator()(const Tensor& img, Generator& gen) const;

  struct Params {
    double angle;
    std::array<double, 2> translate;  // whole pixels
    double scale;
    std::array<double, 2> shear;
  };
  // The parameters one call would draw for an image of this width and height.
  Params sample(int64_t width, int64_t height, Generator& gen) const;

 private:
  RandomAffineOptions options_;
};

struct RandomCropOptions {
  Padding padding{};           // applied first
  bool pad_if_needed = false;  // pad (right/bottom) an image smaller than the crop
  double fill = 0.0;
  PaddingMode padding_mode = PaddingMode::Constant;
};

// A random {height, width} crop, after optional padding.
class RandomCrop {
 public:
  explicit RandomCrop(std::array<int64_t, 2> size, RandomCropOptions options = {});
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  std::array<int64_t, 2> size_;
  RandomCropOptions options_;
};

struct RandomResizedCropOptions {
  std::array<double, 2> scale = {0.08, 1.0};             // crop area as a fraction of the image
  std::array<double, 2> ratio = {3.0 / 4.0, 4.0 / 3.0};  // crop aspect ratio (w / h), log-uniform
  Interpolation interpolation = Interpolation::Bilinear;
  bool antialias = true;
};

// A crop of random area and aspect ratio, resized to {height, width}.
class RandomResizedCrop {
 public:
  explicit RandomResizedCrop(std::array<int64_t, 2> size, RandomResizedCropOptions options = {});
  Tensor operator()(const Tensor& img, Generator& gen) const;
  // The crop (top, left, height, width) one call would draw for an image of this size.
  std::array<int64_t, 4> sample(int64_t height, int64_t width, Generator& gen) const;

 private:
  std::array<int64_t, 2> size_;
  RandomResizedCropOptions options_;
};

// Resizes to {height, width}, or {s}: shorter edge s (see functional.h).
class Resize {
 public:
  explicit Resize(std::vector<int64_t> size, ResizeOptions options = {});
  Tensor operator()(const Tensor& img) const;
  Tensor operator()(const Tensor& img, Generator&) const { return (*this)(img); }

 private:
  std::vector<int64_t> size_;
  ResizeOptions options_;
};

// The centred {height, width} crop.
class CenterCrop {
 public:
  explicit CenterCrop(std::array<int64_t, 2> size);
  Tensor operator()(const Tensor& img) const;
  Tensor operator()(const Tensor& img, Generator&) const { return (*this)(img); }

 private:
  std::array<int64_t, 2> size_;
};

// Each amount as torchvision: brightness b draws a factor in [max(0, 1 - b), 1 + b] (same for contrast and
// saturation), hue h a shift in [-h, h] (h <= 0.5); 0 turns a part off. The parts run in a random order.
struct ColorJitterOptions {
  double brightness = 0.0, contrast = 0.0, saturation = 0.0, hue = 0.0;
};

class ColorJitter {
 public:
  explicit ColorJitter(ColorJitterOptions options);
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  std::array<double, 2> brightness_, contrast_, saturation_, hue_;
  std::array<bool, 4> enabled_;
};

// Converts RGB to grey with 1 or 3 output channels.
class Grayscale {
 public:
  explicit Grayscale(int num_output_channels = 1);
  Tensor operator()(const Tensor& img) const;
  Tensor operator()(const Tensor& img, Generator&) const { return (*this)(img); }

 private:
  int num_output_channels_;
};

// Converts to grey (keeping the channel count) with probability p.
class RandomGrayscale {
 public:
  explicit RandomGrayscale(double p = 0.1);
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  double p_;
};

// Gaussian blur with an odd kernel {x, y} and sigma drawn uniformly from {min, max}.
class GaussianBlur {
 public:
  explicit GaussianBlur(std::array<int64_t, 2> kernel_size, std::array<double, 2> sigma = {0.1, 2.0});
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  std::array<int64_t, 2> kernel_size_;
  std::array<double, 2> sigma_;
};

struct RandomErasingOptions {
  double p = 0.5;
  std::array<double, 2> scale = {0.02, 0.33};  // erased area as a fraction of the image
  std::array<double, 2> ratio = {0.3, 3.3};    // aspect ratio (h / w), log-uniform
  std::vector<double> value = {0.0};           // one value or one per channel
  bool random_value = false;                   // erase with N(0, 1) noise instead of value
};

// Erases a random rectangle with probability p (Zhong et al.; torchvision's RandomErasing), on floating
// images.
class RandomErasing {
 public:
  explicit RandomErasing(RandomErasingOptions options = {});
  Tensor operator()(const Tensor& img, Generator& gen) const;

 private:
  RandomErasingOptions options_;
};

// (x - mean[c]) / std[c] per channel of a floating image.
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& img) const;
  Tensor operator()(const Tensor& img, Generator&) const { return (*this)(img); }

 private:
  std::vector<double> mean_, std_;
};

}  // namespace strata::data::image
