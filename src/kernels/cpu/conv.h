#pragma once
// CPU implementation behind kernels/conv.h: oneDNN for f32, reference loops for f64.
#include <map>
#include <string>

#include "kernels/conv.h"

namespace strata::kernels::cpu {

// How 3x3 stride-1 f32 convolutions choose between oneDNN's direct and Winograd kernels (forward and
// input gradient). kAuto: for problems above kWinogradMinMacs, time both once when the primitive for a
// shape is created and keep the faster (results differ within f32 rounding, ~1e-6 relative, so a run
// is reproducible only up to that); kDirect: never Winograd; kWinograd: Winograd wherever oneDNN has
// it (tests). The initial value comes from STRATA_CONV_ALGO=auto|direct|winograd (default auto).
enum class ConvAlgorithm { kAuto, kDirect, kWinograd };
ConvAlgorithm conv_algorithm();
void set_conv_algorithm(ConvAlgorithm algorithm);
inline constexpr int64_t kWinogradMinMacs = int64_t{1} << 26;
// The choices kAuto has made so far: one entry per timed problem (kind and shape, without the thread
// count), true where Winograd won. A training checkpoint stores them so that a resumed run computes with
// the same kernels whatever the machine's load when it resumes.
std::map<std::string, bool> conv_algorithm_choices();
// Makes kAuto take these choices instead of timing (for problems whose primitive is not made yet).
void set_conv_algorithm_choices(const std::map<std::string, bool>& choices);

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_data(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                            const Conv2dParams& p);
Tensor conv2d_backward_weights(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                               const Conv2dParams& p, Tensor* grad_bias);
Tensor conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                       Tensor* grad_weight, Tensor* grad_bias);

}  // namespace strata::kernels::cpu
