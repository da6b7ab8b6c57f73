// Memory formats of activations: channels-last detection and allocation in a given stride order.
#include "kernels/cpu/memory_format.h"

#include <algorithm>
#include <array>

#include "kernels/elementwise.h"

namespace strata::kernels::cpu {
namespace {

Tensor with_strides(const Shape& shape, const Strides& strides, Dtype dtype, Device device) {
  const size_t nbytes = static_cast<size_t>(shape.numel()) * element_size(dtype);
  auto storage = make_intrusive<Storage>(nbytes, device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), shape, strides, 0, dtype));
}

}  // namespace

Strides channels_last_strides(const Shape& shape) {
  const int64_t c = shape[1], h = shape[2], w = shape[3];
  return Strides{h * w * c, 1, w * c, c};
}

bool is_channels_last(const Tensor& x) {
  if (x.dim() != 4) return false;
  const Strides expected = channels_last_strides(x.shape());
  for (size_t d = 0; d < 4; ++d) {
    if (x.shape()[d] != 1 && x.strides()[d] != expected[d]) return false;
  }
  return true;
}

Tensor empty_channels_last(const Shape& shape, Dtype dtype, Device device) {
  return with_strides(shape, channels_last_strides(shape), dtype, device);
}

Tensor to_channels_last(const Tensor& x) {
  if (is_channels_last(x)) return x;
  Tensor out = empty_channels_last(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return out;
}

Tensor empty_like_layout(const Shape& shape, Dtype dtype, Device device, const Tensor& like) {
  if (!like.defined() || like.shape() != shape || like.is_contiguous())
    return kernels::empty(shape, dtype, device);
  // Dims from the largest stride to the smallest; dense when each stride is the product of the sizes
  // of the dims inside it.
  const size_t nd = shape.size();
  std::array<size_t, kMaxDims> order{};
  for (size_t d = 0; d < nd; ++d) order[d] = d;
  const Strides& st = like.strides();
  std::stable_sort(order.begin(), order.begin() + nd, [&](size_t a, size_t b) { return st[a] > st[b]; });
  Strides out = Strides::filled(nd, 0);
  int64_t expected = 1;
  for (size_t i = nd; i-- > 0;) {
    const size_t d = order[i];
    if (shape[d] != 1 && st[d] != expected) return kernels::empty(shape, dtype, device);
    out[d] = expected;
    expected *= shape[d];
  }
  return with_strides(shape, out, dtype, device);
}

}  // namespace strata::kernels::cpu
