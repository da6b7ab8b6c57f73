#pragma once
// 2-D pooling over NCHW input (oneDNN for f32, a reference path for f64), PyTorch semantics; 1-D
// pooling over [N, C, L] or unbatched [C, L] input runs as 2-D pooling with H = 1.
#include "strata/ops/conv.h"

namespace strata::ops {

// stride defaults to kernel_size when given as 0.
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0,
                  bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
// Averages into an output of `output_size` (PyTorch's start/end index rule).
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

// Max over windows along L of x [N, C, L] or [C, L]; stride defaults to kernel_size when given as 0.
Tensor max_pool1d(const Tensor& x, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                  bool ceil_mode = false);
// Mean over windows along L of x [N, C, L] or [C, L]; stride defaults to kernel_size when given as 0.
Tensor avg_pool1d(const Tensor& x, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);

}  // namespace strata::ops
