#pragma once
// Memory formats of activations. Besides row-major NCHW, a 4-D [N, C, H, W] tensor may be channels-last:
// strides of a dense [N, H, W, C] array (PyTorch's channels_last). oneDNN's convolution, pooling and
// batch-norm kernels run natively on channels-last, so they produce it, and elementwise kernels keep
// their input's stride order: activations then flow between layers without layout conversions. Values
// and shapes are the same in either format; only strides differ.
#include "strata/core/tensor.h"

namespace strata::kernels::cpu {

// True for a 4-D tensor laid out densely as [N, H, W, C]. Size-1 dims may have any stride, so a tensor
// with one channel (or a 1x1 plane) can be both channels-last and contiguous.
bool is_channels_last(const Tensor& x);
// Strides (in elements) of a dense channels-last tensor of `shape` [N, C, H, W].
Strides channels_last_strides(const Shape& shape);
// An uninitialised channels-last tensor of `shape` [N, C, H, W].
Tensor empty_channels_last(const Shape& shape, Dtype dtype, Device device);
// x itself when channels-last, else a channels-last copy of the 4-D tensor x.
Tensor to_channels_last(const Tensor& x);
// An uninitialised tensor of `shape` with the stride order of `like` when `like` has that shape and is
// dense (a permutation of a row-major array: its elements fill their span without gaps), else
// contiguous. Elementwise results use it to keep their input's memory format.
Tensor empty_like_layout(const Shape& shape, Dtype dtype, Device device, const Tensor& like);

}  // namespace strata::kernels::cpu
