// CPU fused activation backward kernels over strided operands (loops.h), with a dense body the compiler
// vectorises.
#include "kernels/cpu/activation.h"

#include "kernels/cpu/loops.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {

Tensor relu_backward(const Tensor& g, const Tensor& y) {
  STRATA_CHECK(g.shape() == y.shape() && g.dtype() == y.dtype(),
               "relu: gradient of shape {} ({}) for an output of shape {} ({})", g.shape().str(),
               dtype_name(g.dtype()), y.shape().str(), dtype_name(y.dtype()));
  // The gradient takes the layout of the activation (channels-last after a convolution).
  Tensor out = empty_like_layout(g.shape(), g.dtype(), g.device(), y);
  dispatch_floating(g.dtype(), "relu", [&]<typename T>() {
    constexpr int64_t st = sizeof(T);
    Operands<3> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(g.raw_data()),
                     static_cast<char*>(y.raw_data())},
                    {out.strides(), g.strides(), y.strides()},
                    {st, st, st}};
    for_each(g.shape(), ops, [](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* gp = reinterpret_cast<const T*>(p[1]);
      const T* yp = reinterpret_cast<const T*>(p[2]);
      if (s[0] == st && s[1] == st && s[2] == st) {
        for (int64_t i = 0; i < n; ++i) o[i] = yp[i] <= T(0) ? T(0) : gp[i];
      } else {
        const int64_t s0 = s[0] / st, s1 = s[1] / st, s2 = s[2] / st;
        for (int64_t i = 0; i < n; ++i) o[i * s0] = yp[i * s2] <= T(0) ? T(0) : gp[i * s1];
      }
    });
  });
  return out;
}

}  // namespace strata::kernels::cpu
