#pragma once
// Interpolation (resizing) of 3-D [N, C, L] and 4-D [N, C, H, W] inputs, PyTorch's F.interpolate.
#include <optional>
#include <string_view>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::ops {

// nearest (3-D, 4-D), linear (3-D), bilinear (4-D).
enum class InterpolateMode { Nearest, Linear, Bilinear };

// The mode PyTorch calls `name` ("nearest", "linear", "bilinear"); anything else throws naming it.
InterpolateMode interpolate_mode_from_name(std::string_view name);
// PyTorch's name of `mode`.
std::string_view interpolate_mode_name(InterpolateMode mode);

// Exactly one of size and scale_factor is given, each as one value per spatial dim or one for all:
// {.size = {8, 8}} or {.scale_factor = {2.0}, .mode = InterpolateMode::Bilinear}.
struct InterpolateOptions {
  std::vector<int64_t> size{};         // output spatial size
  std::vector<double> scale_factor{};  // output size = floor(input size * scale_factor)
  InterpolateMode mode = InterpolateMode::Nearest;
  std::optional<bool> align_corners{};  // linear modes only; unset means false
};

// Throws when the options alone are invalid (size and scale_factor both or neither given, a
// non-positive value, align_corners with nearest); `op` names the caller in the message.
void check_interpolate_options(const InterpolateOptions& options, const char* op = "interpolate");
// x resized to the options' size (channels-last input gives channels-last output).
Tensor interpolate(const Tensor& x, const InterpolateOptions& options);

}  // namespace strata::ops
