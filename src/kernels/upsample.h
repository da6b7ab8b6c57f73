#pragma once
// Upsampling (interpolation) kernels, no autograd, any device, over x [N, C, H, W] (a 1-D signal is a
// plane with H = 1). Index arithmetic follows PyTorch's CPU kernels exactly: nearest picks
// floor(dst * scale) in float, (bi)linear blends the two neighbours of scale * (dst + 0.5) - 0.5
// (or scale * dst with align_corners) in the input's dtype.
#include <array>

#include "strata/core/tensor.h"

namespace strata::kernels {

enum class UpsampleMode { Nearest, Linear };  // Linear: linear along each spatial dim (bilinear in 2-D)

struct UpsampleParams {
  UpsampleMode mode = UpsampleMode::Nearest;
  bool align_corners = false;
  std::array<int64_t, 2> out{1, 1};  // output (H, W)
  // The user's scale factor per dim, or 0 when the output size was given: PyTorch maps positions with
  // 1 / scale_factor when there is one, else with in / out.
  std::array<double, 2> scale{0.0, 0.0};
};

// x resized to p.out; contiguous, or channels-last for a channels-last x.
Tensor upsample2d(const Tensor& x, const UpsampleParams& p);
// The adjoint of upsample2d (each output's gradient scattered onto its source elements with their
// weights), for an input of `input_shape`.
Tensor upsample2d_backward(const Tensor& grad_out, const Shape& input_shape, const UpsampleParams& p);

}  // namespace strata::kernels
