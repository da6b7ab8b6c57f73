// Random augmentation transforms: parameter sampling as torchvision's get_params, drawn from the generator
// each call is given, then the deterministic operation of functional.cpp.
#include "strata/data/image/transforms.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "data/image/image_util.h"
#include "strata/core/factory.h"

namespace strata::data::image {

using detail::bernoulli;
using detail::randint;
using detail::uniform;

namespace {

void check_probability(const char* op, double p) {
  STRATA_CHECK(p >= 0.0 && p <= 1.0, "{}: probability p must be in [0, 1], got {}", op, p);
}

void check_range(const char* op, const char* what, std::array<double, 2> r) {
  STRATA_CHECK(std::isfinite(r[0]) && std::isfinite(r[1]) && r[0] <= r[1],
               "{}: {} range ({}, {}) must be finite with min <= max", op, what, r[0], r[1]);
}

int64_t py_round(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

}  // namespace

RandomTransform lift(transforms::Transform transform) {
  STRATA_CHECK(static_cast<bool>(transform), "lift: transform is empty");
  return [t = std::move(transform)](const Tensor& img, Generator&) { return t(img); };
}

// ---- Compose, RandomApply -----------------------------------------------------------------------------

Compose::Compose(std::vector<RandomTransform> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i)
    STRATA_CHECK(static_cast<bool>(transforms_[i]), "Compose: transform {} of {} is empty", i,
                 transforms_.size());
}

Tensor Compose::operator()(const Tensor& img, Generator& gen) const {
  Tensor y = img;
  for (const RandomTransform& t : transforms_) y = t(y, gen);
  return y;
}

RandomApply::RandomApply(RandomTransform transform, double p) : transform_(std::move(transform)), p_(p) {
  STRATA_CHECK(static_cast<bool>(transform_), "RandomApply: transform is empty");
  check_probability("RandomApply", p);
}

Tensor RandomApply::operator()(const Tensor& img, Generator& gen) const {
  return bernoulli(gen, p_) ? transform_(img, gen) : img;
}

// ---- flips ----------------------------------------------------------------------------------------------

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) { check_probability("RandomHorizontalFlip", p); }

Tensor RandomHorizontalFlip::operator()(const Tensor& img, Generator& gen) const {
  return bernoulli(gen, p_) ? hflip(img) : img;
}

RandomVerticalFlip::RandomVerticalFlip(double p) : p_(p) { check_probability("RandomVerticalFlip", p); }

Tensor RandomVerticalFlip::operator()(const Tensor& img, Generator& gen) const {
  return bernoulli(gen, p_) ? vflip(img) : img;
}

// ---- rotation, affine -----------------------------------------------------------------------------------

RandomRotation::RandomRotation(double degrees, WarpOptions options)
    : degrees_({-degrees, degrees}), options_(std::move(options)) {
  STRATA_CHECK(degrees >= 0.0 && std::isfinite(degrees),
               "RandomRotation: a single degrees value must be non-negative (the range is [-d, d]), got {}",
               degrees);
}

RandomRotation::RandomRotation(std::array<double, 2> degrees, WarpOptions options)
    : degrees_(degrees), options_(std::move(options)) {
  check_range("RandomRotation", "degrees", degrees);
}

double RandomRotation::sample_angle(Generator& gen) const { return uniform(gen, degrees_[0], degrees_[1]); }

Tensor RandomRotation::operator()(const Tensor& img, Generator& gen) const {
  return rotate(img, sample_angle(gen), options_);
}

RandomAffine::RandomAffine(RandomAffineOptions options) : options_(std::move(options)) {
  check_range("RandomAffine", "degrees", options_.degrees);
  for (double t : options_.translate)
    STRATA_CHECK(t >= 0.0 && t <= 1.0, "RandomAffine: translate ({}, {}) must be fractions in [0, 1]",
                 options_.translate[0], options_.translate[1]);
  check_range("RandomAffine", "scale", options_.scale);
  STRATA_CHECK(options_.scale[0] > 0.0, "RandomAffine: scale range ({}, {}) must be positive",
               options_.scale[0], options_.scale[1]);
  const auto& s = options_.shear;
  STRATA_CHECK(s.empty() || s.size() == 2 || s.size() == 4,
               "RandomAffine: shear must have 0, 2 or 4 values (x range, then y range), got [{}]",
               fmt::join(s, ", "));
  for (size_t i = 0; i + 1 < s.size(); i += 2) check_range("RandomAffine", "shear", {s[i], s[i + 1]});
}

RandomAffine::Params RandomAffine::sample(int64_t width, int64_t height, Generator& gen) const {
  Params p{};
  p.angle = uniform(gen, options_.degrees[0], options_.degrees[1]);
  const double max_dx = options_.translate[0] * static_cast<double>(width);
  const double max_dy = options_.translate[1] * static_cast<double>(height);
  p.translate = {static_cast<double>(py_round(uniform(gen, -max_dx, max_dx))),
                 static_cast<double>(py_round(uniform(gen, -max_dy, max_dy)))};
  p.scale = uniform(gen, options_.scale[0], options_.scale[1]);
  p.shear = {0.0, 0.0};
  if (options_.shear.size() >= 2) p.shear[0] = uniform(gen, options_.shear[0], options_.shear[1]);
  if (options_.shear.size() == 4) p.shear[1] = uniform(gen, options_.shear[2], options_.shear[3]);
  return p;
}

Tensor RandomAffine::operator()(const Tensor& img, Generator& gen) const {
  STRATA_CHECK(img.defined() && img.dim() >= 2, "RandomAffine: expects an image [..., H, W], got {}",
               img.defined() ? img.shape().str() : "an undefined tensor");
  const Params p = sample(img.size(-1), img.size(-2), gen);
  return affine(img, p.angle, p.translate, p.scale, p.shear,
                {.interpolation = options_.interpolation, .fill = options_.fill, .center = options_.center});
}

// ---- crops --------------------------------------------------------------------------------------------

RandomCrop::RandomCrop(std::array<int64_t, 2> size, RandomCropOptions options)
    : size_(size), options_(options) {
  STRATA_CHECK(size[0] > 0 && size[1] > 0, "RandomCrop: size ({}, {}) must be positive", size[0], size[1]);
  const Padding& p = options_.padding;
  STRATA_CHECK(p.left >= 0 && p.top >= 0 && p.right >= 0 && p.bottom >= 0,
               "RandomCrop: padding (left {}, top {}, right {}, bottom {}) must be non-negative", p.left,
               p.top, p.right, p.bottom);
}

Tensor RandomCrop::operator()(const Tensor& img, Generator& gen) const {
  STRATA_CHECK(img.defined() && img.dim() >= 2, "RandomCrop: expects an image [..., H, W], got {}",
               img.defined() ? img.shape().str() : "an undefined tensor");
  Tensor x = img;
  const Padding& p = options_.padding;
  if (p.left || p.top || p.right || p.bottom) x = pad(x, p, options_.fill, options_.padding_mode);
  const auto [th, tw] = size_;
  if (options_.pad_if_needed && x.size(-1) < tw)
    x = pad(x, {tw - x.size(-1), 0, tw - x.size(-1), 0}, options_.fill, options_.padding_mode);
  if (options_.pad_if_needed && x.size(-2) < th)
    x = pad(x, {0, th - x.size(-2), 0, th - x.size(-2)}, options_.fill, options_.padding_mode);
  const int64_t h = x.size(-2), w = x.size(-1);
  STRATA_CHECK(
      h >= th && w >= tw,
      "RandomCrop: crop size ({}, {}) is larger than the image of shape {} (after padding: {}x{}); set "
      "pad_if_needed or padding",
      th, tw, img.shape().str(), h, w);
  if (h == th && w == tw) return x;
  const int64_t i = randint(gen, 0, h - th + 1);
  const int64_t j = randint(gen, 0, w - tw + 1);
  return crop(x, i, j, th, tw);
}

RandomResizedCrop::RandomResizedCrop(std::array<int64_t, 2> size, RandomResizedCropOptions options)
    : size_(size), options_(options) {
  STRATA_CHECK(size[0] > 0 && size[1] > 0, "RandomResizedCrop: size ({}, {}) must be positive", size[0],
               size[1]);
  check_range("RandomResizedCrop", "scale", options_.scale);
  check_range("RandomResizedCrop", "ratio", options_.ratio);
  STRATA_CHECK(options_.scale[0] > 0.0 && options_.ratio[0] > 0.0,
               "RandomResizedCrop: scale ({}, {}) and ratio ({}, {}) must be positive", options_.scale[0],
               options_.scale[1], options_.ratio[0], options_.ratio[1]);
}

std::array<int64_t, 4> RandomResizedCrop::sample(int64_t height, int64_t width, Generator& gen) const {
  const double area = static_cast<double>(height * width);
  const double log_lo = std::log(options_.ratio[0]), log_hi = std::log(options_.ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * uniform(gen, options_.scale[0], options_.scale[1]);
    const double aspect = std::exp(uniform(gen, log_lo, log_hi));
    const int64_t w = py_round(std::sqrt(target * aspect));
    const int64_t h = py_round(std::sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int64_t i = randint(gen, 0, height - h + 1);
      const int64_t j = randint(gen, 0, width - w + 1);
      return {i, j, h, w};
    }
  }
  // Fallback: the central crop with the aspect ratio clamped into range.
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  int64_t w = width, h = height;
  if (in_ratio < options_.ratio[0]) {
    h = py_round(static_cast<double>(w) / options_.ratio[0]);
  } else if (in_ratio > options_.ratio[1]) {
    w = py_round(static_cast<double>(h) * options_.ratio[1]);
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

Tensor RandomResizedCrop::operator()(const Tensor& img, Generator& gen) const {
  STRATA_CHECK(img.defined() && img.dim() >= 2 && img.size(-1) > 0 && img.size(-2) > 0,
               "RandomResizedCrop: expects a non-empty image [..., H, W], got {}",
               img.defined() ? img.shape().str() : "an undefined tensor");
  const auto [i, j, h, w] = sample(img.size(-2), img.size(-1), gen);
  return resized_crop(img, i, j, h, w, {size_[0], size_[1]},
                      {.interpolation = options_.interpolation, .antialias = options_.antialias});
}

Resize::Resize(std::vector<int64_t> size, ResizeOptions options) : size_(std::move(size)), options_(options) {
  STRATA_CHECK((size_.size() == 1 || size_.size() == 2) &&
                   std::all_of(size_.begin(), size_.end(), [](int64_t s) { return s > 0; }),
               "Resize: size must be 1 (shorter edge) or 2 (height, width) positive values, got [{}]",
               fmt::join(size_, ", "));
}

Tensor Resize::operator()(const Tensor& img) const { return resize(img, size_, options_); }

CenterCrop::CenterCrop(std::array<int64_t, 2> size) : size_(size) {
  STRATA_CHECK(size[0] > 0 && size[1] > 0, "CenterCrop: size ({}, {}) must be positive", size[0], size[1]);
}

Tensor CenterCrop::operator()(const Tensor& img) const { return center_crop(img, size_[0], size_[1]); }

// ---- colour ---------------------------------------------------------------------------------------------

ColorJitter::ColorJitter(ColorJitterOptions options) {
  auto factor_range = [](const char* what, double v) -> std::array<double, 2> {
    STRATA_CHECK(v >= 0.0 && std::isfinite(v), "ColorJitter: {} must be non-negative, got {}", what, v);
    return {std::max(0.0, 1.0 - v), 1.0 + v};
  };
  brightness_ = factor_range("brightness", options.brightness);
  contrast_ = factor_range("contrast", options.contrast);
  saturation_ = factor_range("saturation", options.saturation);
  STRATA_CHECK(options.hue >= 0.0 && options.hue <= 0.5, "ColorJitter: hue must be in [0, 0.5], got {}",
               options.hue);
  hue_ = {-options.hue, options.hue};
  enabled_ = {options.brightness != 0.0, options.contrast != 0.0, options.saturation != 0.0,
              options.hue != 0.0};
}

Tensor ColorJitter::operator()(const Tensor& img, Generator& gen) const {
  // A random order of the four parts (Fisher-Yates), then the factors, as torchvision's get_params.
  std::array<int, 4> order = {0, 1, 2, 3};
  for (int i = 3; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(randint(gen, 0, i + 1))]);
  const double b = enabled_[0] ? uniform(gen, brightness_[0], brightness_[1]) : 1.0;
  const double c = enabled_[1] ? uniform(gen, contrast_[0], contrast_[1]) : 1.0;
  const double s = enabled_[2] ? uniform(gen, saturation_[0], saturation_[1]) : 1.0;
  const double h = enabled_[3] ? uniform(gen, hue_[0], hue_[1]) : 0.0;
  Tensor x = img;
  for (int part : order) {
    if (!enabled_[static_cast<size_t>(part)]) continue;
    switch (part) {
      case 0:
        x = adjust_brightness(x, b);
        break;
      case 1:
        x = adjust_contrast(x, c);
        break;
      case 2:
        x = adjust_saturation(x, s);
        break;
      default:
        x = adjust_hue(x, h);
        break;
    }
  }
  return x;
}

Grayscale::Grayscale(int num_output_channels) : num_output_channels_(num_output_channels) {
  STRATA_CHECK(num_output_channels == 1 || num_output_channels == 3,
               "Grayscale: num_output_channels must be 1 or 3, got {}", num_output_channels);
}

Tensor Grayscale::operator()(const Tensor& img) const { return rgb_to_grayscale(img, num_output_channels_); }

RandomGrayscale::RandomGrayscale(double p) : p_(p) { check_probability("RandomGrayscale", p); }

Tensor RandomGrayscale::operator()(const Tensor& img, Generator& gen) const {
  STRATA_CHECK(img.defined() && img.dim() >= 3, "RandomGrayscale: expects an image [..., C, H, W], got {}",
               img.defined() ? img.shape().str() : "an undefined tensor");
  if (!bernoulli(gen, p_)) return img;
  return rgb_to_grayscale(img, static_cast<int>(img.size(-3)));
}

// ---- blur, erasing, normalize -------------------------------------------------------------------------

GaussianBlur::GaussianBlur(std::array<int64_t, 2> kernel_size, std::array<double, 2> sigma)
    : kernel_size_(kernel_size), sigma_(sigma) {
  for (int64_t k : kernel_size)
    STRATA_CHECK(k > 0 && k % 2 == 1, "GaussianBlur: kernel size ({}, {}) must be odd and positive",
                 kernel_size[0], kernel_size[1]);
  check_range("GaussianBlur", "sigma", sigma);
  STRATA_CHECK(sigma[0] > 0.0, "GaussianBlur: sigma ({}, {}) must be positive", sigma[0], sigma[1]);
}

Tensor GaussianBlur::operator()(const Tensor& img, Generator& gen) const {
  const double s = uniform(gen, sigma_[0], sigma_[1]);
  return gaussian_blur(img, kernel_size_, {s, s});
}

RandomErasing::RandomErasing(RandomErasingOptions options) : options_(std::move(options)) {
  check_probability("RandomErasing", options_.p);
  check_range("RandomErasing", "scale", options_.scale);
  check_range("RandomErasing", "ratio", options_.ratio);
  STRATA_CHECK(options_.scale[0] >= 0.0 && options_.scale[1] <= 1.0,
               "RandomErasing: scale ({}, {}) must lie in [0, 1]", options_.scale[0], options_.scale[1]);
  STRATA_CHECK(options_.ratio[0] > 0.0, "RandomErasing: ratio ({}, {}) must be positive", options_.ratio[0],
               options_.ratio[1]);
  STRATA_CHECK(options_.random_value || !options_.value.empty(),
               "RandomErasing: value needs one value or one per channel (or random_value)");
}

Tensor RandomErasing::operator()(const Tensor& img, Generator& gen) const {
  STRATA_CHECK(img.defined() && img.dim() >= 3, "RandomErasing: expects an image [..., C, H, W], got {}",
               img.defined() ? img.shape().str() : "an undefined tensor");
  const int64_t c = img.size(-3), h = img.size(-2), w = img.size(-1);
  STRATA_CHECK(
      options_.random_value || options_.value.size() == 1 || static_cast<int64_t>(options_.value.size()) == c,
      "RandomErasing: value has {} entries but the image of shape {} has {} channels", options_.value.size(),
      img.shape().str(), c);
  STRATA_CHECK(!options_.random_value || img.is_floating_point(),
               "RandomErasing: random values need a floating image, got {} of shape {}",
               dtype_name(img.dtype()), img.shape().str());
  if (!bernoulli(gen, options_.p)) return img;
  const double area = static_cast<double>(h * w);
  const double log_lo = std::log(options_.ratio[0]), log_hi = std::log(options_.ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double erase_area = area * uniform(gen, options_.scale[0], options_.scale[1]);
    const double aspect = std::exp(uniform(gen, log_lo, log_hi));
    const int64_t eh = py_round(std::sqrt(erase_area * aspect));
    const int64_t ew = py_round(std::sqrt(erase_area / aspect));
    if (!(eh < h && ew < w)) continue;
    const int64_t i = randint(gen, 0, h - eh + 1);
    const int64_t j = randint(gen, 0, w - ew + 1);
    if (!options_.random_value) return erase(img, i, j, eh, ew, options_.value);
    std::vector<double> noise(static_cast<size_t>(c * eh * ew));
    for (double& v : noise) v = detail::normal(gen);
    return erase(img, i, j, eh, ew, from_vector(noise, Shape{c, eh, ew}));
  }
  return img;  // no box fitted in 10 attempts: unchanged, as torchvision
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std)
    : mean_(std::move(mean)), std_(std::move(std)) {
  STRATA_CHECK(!mean_.empty() && !std_.empty(), "Normalize: mean and std need at least one value each");
  for (double s : std_) STRATA_CHECK(s != 0.0, "Normalize: std [{}] contains a zero", fmt::join(std_, ", "));
}

Tensor Normalize::operator()(const Tensor& img) const { return normalize(img, mean_, std_); }

}  // namespace strata::data::image
