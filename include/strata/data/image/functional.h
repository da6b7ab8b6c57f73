#pragma once
// Deterministic image operations on tensors, the building blocks of the augmentation transforms. They follow
// torchvision.transforms.functional on tensors (same formulas, rounding and defaults), so values match it.
// Images are [..., H, W] (geometry) or [..., C, H, W] with C = 1 or 3 (colour); dtype u8, f32 or f64 is kept.
// u8 images are computed in f32 and rounded back as torchvision does. No autograd: these run on data.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::image {

enum class Interpolation { Nearest, Bilinear };
enum class PaddingMode { Constant, Edge, Reflect, Symmetric };

// Pixels added on each side.
struct Padding {
  int64_t left = 0, top = 0, right = 0, bottom = 0;
  // The same amount on every side.
  static Padding all(int64_t p) { return {p, p, p, p}; }
  // `horizontal` left and right, `vertical` top and bottom.
  static Padding symmetric(int64_t horizontal, int64_t vertical) {
    return {horizontal, vertical, horizontal, vertical};
  }
};

// Mirror left-right (last dim).
Tensor hflip(const Tensor& img);
// Mirror top-bottom (dim -2).
Tensor vflip(const Tensor& img);
// Rows [top, top + height) and columns [left, left + width); parts outside the image are zero.
Tensor crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width);
// Pads the last two dims; Reflect needs padding < size, Symmetric padding <= size.
Tensor pad(const Tensor& img, const Padding& padding, double fill = 0.0,
           PaddingMode mode = PaddingMode::Constant);
// The centred height x width crop (zero-padded first where the image is smaller), offsets rounded like
// Python.
Tensor center_crop(const Tensor& img, int64_t height, int64_t width);

struct ResizeOptions {
  Interpolation interpolation = Interpolation::Bilinear;
  int64_t max_size = 0;   // with a one-value size: cap on the longer edge (0: none)
  bool antialias = true;  // bilinear only: a triangle filter widened when downscaling (torchvision >= 0.17)
};
// Resizes to size = {height, width}, or size = {s}: the shorter edge becomes s, keeping the aspect ratio.
Tensor resize(const Tensor& img, const std::vector<int64_t>& size, const ResizeOptions& options = {});
// crop then resize.
Tensor resized_crop(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
                    const std::vector<int64_t>& size, const ResizeOptions& options = {});

// How rotate and affine sample: interpolation, the value of pixels from outside the image (one value or one
// per channel), and the centre (x, y) in pixels from the top-left corner (default: the image centre).
struct WarpOptions {
  Interpolation interpolation = Interpolation::Nearest;
  std::vector<double> fill = {0.0};
  std::optional<std::array<double, 2>> center{};
};
// Rotates by `angle` degrees counter-clockwise about the centre, keeping the size.
Tensor rotate(const Tensor& img, double angle, const WarpOptions& options = {});
// Rotation by `angle` degrees (clockwise, as torchvision's affine), then scale, shear (x, y) in degrees and a
// translation (x, y) in pixels, about the centre.
Tensor affine(const Tensor& img, double angle, std::array<double, 2> translate, double scale,
              std::array<double, 2> shear, const WarpOptions& options = {});
// The 2x3 matrix that maps output pixel coordinates (relative to the centre) to input ones, as torchvision's
// _get_inverse_affine_matrix.
std::array<double, 6> inverse_affine_matrix(std::array<double, 2> center, double angle,
                                            std::array<double, 2> translate, double scale,
                                            std::array<double, 2> shear);

// Luma 0.2989 R + 0.587 G + 0.114 B (u8: truncated, as torchvision); 1 or 3 (replicated) output channels.
Tensor rgb_to_grayscale(const Tensor& img, int num_output_channels = 1);
// Multiplies by `factor` (>= 0) and clamps.
Tensor adjust_brightness(const Tensor& img, double factor);
// Blends with the mean grey level: 0 gives a flat grey image, 1 the original.
Tensor adjust_contrast(const Tensor& img, double factor);
// Blends with the greyscale image: 0 gives grey, 1 the original, 2 doubles the saturation (1-channel: no-op).
Tensor adjust_saturation(const Tensor& img, double factor);
// Shifts the hue by `factor` turns, in [-0.5, 0.5] (1-channel: no-op).
Tensor adjust_hue(const Tensor& img, double factor);
// Gaussian blur with an odd kernel (x, y) and sigma (x, y), reflect-padded.
Tensor gaussian_blur(const Tensor& img, std::array<int64_t, 2> kernel_size, std::array<double, 2> sigma);
// Sets the height x width block at (top, left) to `value` (one value, or one per channel).
Tensor erase(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
             const std::vector<double>& value);
// Same with per-pixel values: a tensor of shape [C, height, width].
Tensor erase(const Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width,
             const Tensor& values);
// (x - mean[c]) / std[c] per channel of a floating [..., C, H, W] image.
Tensor normalize(const Tensor& img, const std::vector<double>& mean, const std::vector<double>& std);

}  // namespace strata::data::image
