#pragma once
// 2-D pooling over NCHW input (oneDNN for f32, a reference path for f64), PyTorch semantics.
#include "strata/ops/conv.h"

namespace strata::ops {

// stride defaults to kernel_size when given as 0.
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false,
                  bool count_include_pad = true);
// Averages into an output of `output_size` (PyTorch's start/end index rule).
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

}  // namespace strata::ops
