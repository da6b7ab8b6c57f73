#pragma once
// Whether a device computes natively in bf16: the ops layer asks before it runs a product in bf16 under
// autocast (kernels take the compute dtype as an argument and never read the autocast state).
#include "strata/core/device.h"

namespace strata::kernels {

// True when `device` has native bf16 arithmetic that the matmul and convolution kernels use.
bool bf16_supported(Device device);

// Tests only: pretend no device supports bf16 (true), or ask the hardware again (false).
void force_bf16_unsupported(bool force);

}  // namespace strata::kernels
