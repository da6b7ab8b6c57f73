// CPU fused activation backward kernels over strided operands (loops.h), with a dense body the compiler
// vectorises.
#include "kernels/cpu/activation.h"

#include <cmath>
#include <numbers>
#include <type_traits>

#include "kernels/cpu/loops.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/cpu/vec_erf.h"
#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {
namespace {

// out = zero(y) ? 0 : g elementwise, for an activation whose gradient is g or 0 as its output tells.
// `zero` is a template taking the element type (a generic lambda). `into`, when defined, receives the
// result (it may be g itself: each element is read before it is written).
template <typename Zero>
Tensor masked_backward(const char* name, const Tensor& g, const Tensor& y, Zero zero,
                       const Tensor& into = {}) {
  STRATA_CHECK(g.shape() == y.shape() && g.dtype() == y.dtype(),
               "{}: gradient of shape {} ({}) for an output of shape {} ({})", name, g.shape().str(),
               dtype_name(g.dtype()), y.shape().str(), dtype_name(y.dtype()));
  STRATA_CHECK(!into.defined() || (into.shape() == g.shape() && into.dtype() == g.dtype()),
               "{}: output of shape {} ({}) for a gradient of shape {} ({})", name,
               into.defined() ? into.shape().str() : "", into.defined() ? dtype_name(into.dtype()) : "",
               g.shape().str(), dtype_name(g.dtype()));
  // The gradient takes the layout of the activation (channels-last after a convolution).
  Tensor out = into.defined() ? into : empty_like_layout(g.shape(), g.dtype(), g.device(), y);
  dispatch_floating(g.dtype(), name, [&]<typename T>() {
    constexpr int64_t st = sizeof(T);
    Operands<3> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(g.raw_data()),
                     static_cast<char*>(y.raw_data())},
                    {out.strides(), g.strides(), y.strides()},
                    {st, st, st}};
    for_each(g.shape(), ops,
             [&zero](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
               T* o = reinterpret_cast<T*>(p[0]);
               const T* gp = reinterpret_cast<const T*>(p[1]);
               const T* yp = reinterpret_cast<const T*>(p[2]);
               if (s[0] == st && s[1] == st && s[2] == st) {
                 for (int64_t i = 0; i < n; ++i) o[i] = zero(yp[i]) ? T(0) : gp[i];
               } else {
                 const int64_t s0 = s[0] / st, s1 = s[1] / st, s2 = s[2] / st;
                 for (int64_t i = 0; i < n; ++i) o[i * s0] = zero(yp[i * s2]) ? T(0) : gp[i * s1];
               }
             });
  });
  return out;
}

// out = f(g, x) elementwise, for a gradient computed from the activation's input.
template <typename F>
Tensor input_backward(const char* name, const Tensor& g, const Tensor& x, F f) {
  STRATA_CHECK(g.shape() == x.shape() && g.dtype() == x.dtype(),
               "{}: gradient of shape {} ({}) for an input of shape {} ({})", name, g.shape().str(),
               dtype_name(g.dtype()), x.shape().str(), dtype_name(x.dtype()));
  Tensor out = empty_like_layout(g.shape(), g.dtype(), g.device(), x);
  dispatch_floating(g.dtype(), name, [&]<typename T>() {
    constexpr int64_t st = sizeof(T);
    Operands<3> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(g.raw_data()),
                     static_cast<char*>(x.raw_data())},
                    {out.strides(), g.strides(), x.strides()},
                    {st, st, st}};
    for_each(g.shape(), ops, [&f](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* gp = reinterpret_cast<const T*>(p[1]);
      const T* xp = reinterpret_cast<const T*>(p[2]);
      if (s[0] == st && s[1] == st && s[2] == st) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(gp[i], xp[i]);
      } else {
        const int64_t s0 = s[0] / st, s1 = s[1] / st, s2 = s[2] / st;
        for (int64_t i = 0; i < n; ++i) o[i * s0] = f(gp[i * s1], xp[i * s2]);
      }
    });
  });
  return out;
}

}  // namespace

Tensor relu_backward(const Tensor& g, const Tensor& y) {
  return masked_backward("relu", g, y, []<typename T>(T v) { return v <= T(0); });
}

void relu_backward_into(const Tensor& g, const Tensor& y, const Tensor& out) {
  masked_backward(
      "relu", g, y, []<typename T>(T v) { return v <= T(0); }, out);
}

Tensor hardtanh_backward(const Tensor& g, const Tensor& y, double min_val, double max_val) {
  // Comparisons are made in the element type, against bounds rounded as the forward's clamp rounds them.
  return masked_backward("hardtanh", g, y, [min_val, max_val]<typename T>(T v) {
    return v <= static_cast<T>(min_val) || v >= static_cast<T>(max_val);
  });
}

Tensor gelu_backward(const Tensor& g, const Tensor& x) {
  // d/dx x Phi(x) = Phi(x) + x phi(x); f32 through the vectorisable erf and exp, f64 through libm.
  return input_backward("gelu", g, x, []<typename T>(T gv, T xv) {
    constexpr T kInvSqrt2 = T(1) / std::numbers::sqrt2_v<T>;
    constexpr T kInvSqrt2Pi = std::numbers::inv_sqrtpi_v<T> / std::numbers::sqrt2_v<T>;
    T cdf, pdf;
    if constexpr (std::is_same_v<T, float>) {
      cdf = T(0.5) * (T(1) + verf(xv * kInvSqrt2));
      pdf = vexp(T(-0.5) * xv * xv) * kInvSqrt2Pi;
    } else {
      cdf = T(0.5) * (T(1) + std::erf(xv * kInvSqrt2));
      pdf = std::exp(T(-0.5) * xv * xv) * kInvSqrt2Pi;
    }
    return gv * (cdf + xv * pdf);
  });
}

}  // namespace strata::kernels::cpu
