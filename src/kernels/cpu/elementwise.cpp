// CPU elementwise kernels: typed inner loops over strided runs (see loops.h).
#include "kernels/cpu/elementwise.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu/loops.h"
#include "kernels/cpu/memory_format.h"
#include "kernels/cpu/vec_erf.h"
#include "kernels/cpu/vec_tanh.h"
#include "kernels/dispatch.h"

namespace strata::kernels::cpu {
namespace {

template <typename T>
Operands<1> operands1(const Tensor& a) {
  return {{static_cast<char*>(a.raw_data())}, {a.strides()}, {static_cast<int64_t>(sizeof(T))}};
}

// Runs out[i] = f(x[i]) over two same-shaped operands.
template <typename TO, typename TI, typename F>
void map1(const Tensor& out, const Tensor& x, F f) {
  Operands<2> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(x.raw_data())},
                  {out.strides(), x.strides()},
                  {static_cast<int64_t>(sizeof(TO)), static_cast<int64_t>(sizeof(TI))}};
  for_each(out.shape(), ops, [f](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    TO* o = reinterpret_cast<TO*>(p[0]);
    const TI* a = reinterpret_cast<const TI*>(p[1]);
    if (s[0] == sizeof(TO) && s[1] == sizeof(TI)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    } else if (s[1] == 0) {
      const TO v = f(a[0]);
      for (int64_t i = 0; i < n; ++i) o[i * s[0] / int64_t(sizeof(TO))] = v;
    } else {
      const int64_t so = s[0] / int64_t(sizeof(TO)), sa = s[1] / int64_t(sizeof(TI));
      for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa]);
    }
  });
}

// Runs out[i] = f(a[i], b[i]) over three same-shaped operands (a, b possibly broadcast).
template <typename TO, typename T, typename F>
void map2(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  constexpr int64_t so_ = sizeof(TO), st_ = sizeof(T);
  Operands<3> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                   static_cast<char*>(b.raw_data())},
                  {out.strides(), a.strides(), b.strides()},
                  {so_, st_, st_}};
  for_each(out.shape(), ops, [f](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    TO* o = reinterpret_cast<TO*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    if (s[0] == so_ && s[1] == st_ && s[2] == st_) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (s[0] == so_ && s[1] == st_ && s[2] == 0) {
      const T yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (s[0] == so_ && s[1] == 0 && s[2] == st_) {
      const T xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      const int64_t s0 = s[0] / so_, s1 = s[1] / st_, s2 = s[2] / st_;
      for (int64_t i = 0; i < n; ++i) o[i * s0] = f(x[i * s1], y[i * s2]);
    }
  });
}

// erf, GELU's core: f32 through the vectorisable verf (a GELU pass was mostly libm erff calls), f64 exact.
template <typename T>
T erf_t(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return verf(x);
  } else {
    return std::erf(x);
  }
}

// tanh: f32 through the vectorisable vtanh, f64 exact.
template <typename T>
T tanh_t(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return vtanh(x);
  } else {
    return std::tanh(x);
  }
}

template <typename T>
T sigmoid_t(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <typename T>
void unary_floating(UnaryOp op, const Tensor& out, const Tensor& x, UnaryParams p) {
  const T alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
  switch (op) {
    case UnaryOp::Neg:
      return map1<T, T>(out, x, [](T v) { return -v; });
    case UnaryOp::Exp:
      return map1<T, T>(out, x, [](T v) { return std::exp(v); });
    case UnaryOp::Log:
      return map1<T, T>(out, x, [](T v) { return std::log(v); });
    case UnaryOp::Log1p:
      return map1<T, T>(out, x, [](T v) { return std::log1p(v); });
    case UnaryOp::Sqrt:
      return map1<T, T>(out, x, [](T v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt:
      return map1<T, T>(out, x, [](T v) { return T(1) / std::sqrt(v); });
    case UnaryOp::Abs:
      return map1<T, T>(out, x, [](T v) { return std::abs(v); });
    case UnaryOp::Sign:
      return map1<T, T>(out, x, [](T v) { return T((v > T(0)) - (v < T(0))); });
    case UnaryOp::Erf:
      return map1<T, T>(out, x, [](T v) { return erf_t(v); });
    case UnaryOp::Sin:
      return map1<T, T>(out, x, [](T v) { return std::sin(v); });
    case UnaryOp::Cos:
      return map1<T, T>(out, x, [](T v) { return std::cos(v); });
    case UnaryOp::Reciprocal:
      return map1<T, T>(out, x, [](T v) { return T(1) / v; });
    case UnaryOp::Square:
      return map1<T, T>(out, x, [](T v) { return v * v; });
    case UnaryOp::Relu:
      return map1<T, T>(out, x, [](T v) { return v <= T(0) ? T(0) : v; });  // NaN passes through
    case UnaryOp::Sigmoid:
      return map1<T, T>(out, x, [](T v) { return sigmoid_t(v); });
    case UnaryOp::Tanh:
      return map1<T, T>(out, x, [](T v) { return tanh_t(v); });
    case UnaryOp::GeluErf:
      return map1<T, T>(out, x, [](T v) { return T(0.5) * v * (T(1) + erf_t(v * T(M_SQRT1_2))); });
    case UnaryOp::GeluTanh:
      return map1<T, T>(out, x, [](T v) {
        const T k = T(0.7978845608028654);  // sqrt(2 / pi)
        return T(0.5) * v * (T(1) + std::tanh(k * (v + T(0.044715) * v * v * v)));
      });
    case UnaryOp::Silu:
      return map1<T, T>(out, x, [](T v) { return v * sigmoid_t(v); });
    case UnaryOp::Selu:
      return map1<T, T>(out, x, [](T v) {
        const T scale = T(1.0507009873554804934193349852946), a = T(1.6732632423543772848170429916717);
        return v > T(0) ? scale * v : scale * a * (std::exp(v) - T(1));
      });
    case UnaryOp::Hardsigmoid:
      return map1<T, T>(out, x, [](T v) { return std::min(std::max(v / T(6) + T(0.5), T(0)), T(1)); });
    case UnaryOp::Hardswish:
      return map1<T, T>(out, x, [](T v) { return v * std::min(std::max(v / T(6) + T(0.5), T(0)), T(1)); });
    case UnaryOp::Mish:
      return map1<T, T>(out, x, [](T v) { return v * std::tanh(std::log1p(std::exp(v))); });
    case UnaryOp::LeakyRelu:
      return map1<T, T>(out, x, [alpha](T v) { return v > T(0) ? v : alpha * v; });
    case UnaryOp::Elu:
      return map1<T, T>(out, x, [alpha](T v) { return v > T(0) ? v : alpha * (std::exp(v) - T(1)); });
    case UnaryOp::Softplus:
      return map1<T, T>(out, x, [alpha, beta](T v) {
        return v * alpha > beta ? v : std::log1p(std::exp(v * alpha)) / alpha;
      });
    case UnaryOp::PowScalar:
      return map1<T, T>(out, x, [alpha](T v) { return std::pow(v, alpha); });
    case UnaryOp::RPowScalar:
      return map1<T, T>(out, x, [alpha](T v) { return std::pow(alpha, v); });
    case UnaryOp::Clamp:
      return map1<T, T>(out, x, [alpha, beta](T v) {
        if (std::isnan(v)) return v;
        return std::min(std::max(v, alpha), beta);
      });
    case UnaryOp::AddScalar:
      return map1<T, T>(out, x, [alpha](T v) { return v + alpha; });
    case UnaryOp::MulScalar:
      return map1<T, T>(out, x, [alpha](T v) { return v * alpha; });
    case UnaryOp::RSubScalar:
      return map1<T, T>(out, x, [alpha](T v) { return alpha - v; });
    case UnaryOp::RDivScalar:
      return map1<T, T>(out, x, [alpha](T v) { return alpha / v; });
  }
}

template <typename T>
void unary_integral(UnaryOp op, const Tensor& out, const Tensor& x, UnaryParams p) {
  const T alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
  switch (op) {
    case UnaryOp::Neg:
      return map1<T, T>(out, x, [](T v) { return T(-v); });
    case UnaryOp::Abs:
      return map1<T, T>(out, x, [](T v) { return v < T(0) ? T(-v) : v; });
    case UnaryOp::Sign:
      return map1<T, T>(out, x, [](T v) { return T((v > T(0)) - (v < T(0))); });
    case UnaryOp::Square:
      return map1<T, T>(out, x, [](T v) { return T(v * v); });
    case UnaryOp::Relu:
      return map1<T, T>(out, x, [](T v) { return v > T(0) ? v : T(0); });
    case UnaryOp::Clamp:
      return map1<T, T>(out, x, [alpha, beta](T v) { return std::min(std::max(v, alpha), beta); });
    case UnaryOp::AddScalar:
      return map1<T, T>(out, x, [alpha](T v) { return T(v + alpha); });
    case UnaryOp::MulScalar:
      return map1<T, T>(out, x, [alpha](T v) { return T(v * alpha); });
    case UnaryOp::RSubScalar:
      return map1<T, T>(out, x, [alpha](T v) { return T(alpha - v); });
    default:
      STRATA_FAIL("unary op {} needs a floating dtype, got {}", static_cast<int>(op), dtype_name(x.dtype()));
  }
}

template <typename T>
T pow_t(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::pow(a, b);
  } else {
    // Square-and-multiply: O(log b) for the non-negative exponents the caller allows.
    T r = 1, base = a;
    for (uint64_t e = static_cast<uint64_t>(b); e > 0; e >>= 1) {
      if (e & 1) r = T(r * base);
      base = T(base * base);
    }
    return r;
  }
}

template <typename T>
void binary_arith(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Add:
      return map2<T, T>(out, a, b, [](T x, T y) { return T(x + y); });
    case BinaryOp::Sub:
      return map2<T, T>(out, a, b, [](T x, T y) { return T(x - y); });
    case BinaryOp::Mul:
      return map2<T, T>(out, a, b, [](T x, T y) { return T(x * y); });
    case BinaryOp::Div:
      if constexpr (std::is_floating_point_v<T>) {
        return map2<T, T>(out, a, b, [](T x, T y) { return x / y; });
      } else {
        // Checked before the (possibly parallel) loop: nothing may throw inside it.
        for (int64_t v : b.to_vector<int64_t>()) STRATA_CHECK(v != 0, "div: integer division by zero");
        return map2<T, T>(out, a, b, [](T x, T y) { return T(x / y); });
      }
    case BinaryOp::Pow:
      if constexpr (!std::is_floating_point_v<T>) {
        for (int64_t v : b.to_vector<int64_t>()) {
          STRATA_CHECK(v >= 0, "pow: integers to negative integer powers are not allowed (exponent {})", v);
        }
      }
      return map2<T, T>(out, a, b, [](T x, T y) { return pow_t(x, y); });
    case BinaryOp::Maximum:
      return map2<T, T>(out, a, b, [](T x, T y) {
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
        }
        return x > y ? x : y;
      });
    case BinaryOp::Minimum:
      return map2<T, T>(out, a, b, [](T x, T y) {
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
        }
        return x < y ? x : y;
      });
    case BinaryOp::Eq:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x == y); });
    case BinaryOp::Ne:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x != y); });
    case BinaryOp::Lt:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x < y); });
    case BinaryOp::Le:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x <= y); });
    case BinaryOp::Gt:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x > y); });
    case BinaryOp::Ge:
      return map2<uint8_t, T>(out, a, b, [](T x, T y) { return uint8_t(x >= y); });
  }
}

// A view of t broadcast to `shape` (stride 0 on expanded dims); no autograd.
Tensor broadcast_view(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  const size_t nd = shape.size(), td = t.shape().size();
  Strides st = Strides::filled(nd, 0);
  for (size_t i = 0; i < td; ++i) {
    const size_t d = nd - td + i;
    st[d] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  }
  auto impl = make_intrusive<TensorImpl>(t.impl()->storage, shape, st, t.offset(), t.dtype());
  return Tensor(std::move(impl));
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x, UnaryParams params) {
  Tensor out = empty_like_layout(x.shape(), x.dtype(), x.device(), x);
  dispatch_all(x.dtype(), "unary", [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) {
      unary_floating<T>(op, out, x, params);
    } else {
      unary_integral<T>(op, out, x, params);
    }
  });
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "binary");
  const Dtype out_dtype = is_comparison(op) ? kUInt8 : a.dtype();
  Tensor out = empty_like_layout(shape, out_dtype, a.device(), a.shape() == shape ? a : b);
  const Tensor av = broadcast_view(a, shape), bv = broadcast_view(b, shape);
  dispatch_all(a.dtype(), "binary", [&]<typename T>() { binary_arith<T>(op, out, av, bv); });
  return out;
}

void binary_(BinaryOp op, const Tensor& dst, const Tensor& src) {
  const Tensor sv = broadcast_view(src, dst.shape());
  dispatch_all(dst.dtype(), "binary_", [&]<typename T>() { binary_arith<T>(op, dst, dst, sv); });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Shape shape =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty_like_layout(shape, a.dtype(), a.device(), a.shape() == shape ? a : b);
  const Tensor cv = broadcast_view(cond, shape), av = broadcast_view(a, shape), bv = broadcast_view(b, shape);
  dispatch_all(a.dtype(), "where", [&]<typename T>() {
    constexpr int64_t st = sizeof(T);
    Operands<4> ops{{static_cast<char*>(out.raw_data()), static_cast<char*>(cv.raw_data()),
                     static_cast<char*>(av.raw_data()), static_cast<char*>(bv.raw_data())},
                    {out.strides(), cv.strides(), av.strides(), bv.strides()},
                    {st, 1, st, st}};
    for_each(shape, ops, [](const std::array<char*, 4>& p, const std::array<int64_t, 4>& s, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const uint8_t* c = reinterpret_cast<const uint8_t*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const T* y = reinterpret_cast<const T*>(p[3]);
      // Contiguous runs, with either branch possibly a broadcast scalar (relu's and masked_fill's
      // backward): selects the compiler vectorises.
      if (s[0] == st && s[1] == 1) {
        if (s[2] == st && s[3] == st) {
          for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? x[i] : y[i];
          return;
        }
        if (s[2] == 0 && s[3] == st) {
          const T xv = *x;
          for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? xv : y[i];
          return;
        }
        if (s[2] == st && s[3] == 0) {
          const T yv = *y;
          for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? x[i] : yv;
          return;
        }
      }
      const int64_t s0 = s[0] / st, s1 = s[1], s2 = s[2] / st, s3 = s[3] / st;
      for (int64_t i = 0; i < n; ++i) o[i * s0] = c[i * s1] ? x[i * s2] : y[i * s3];
    });
  });
  return out;
}

void copy(const Tensor& dst, const Tensor& src) {
  const Tensor sv = broadcast_view(src, dst.shape());
  dispatch_all(dst.dtype(), "copy", [&]<typename TO>() {
    dispatch_all(src.dtype(), "copy",
                 [&]<typename TI>() { map1<TO, TI>(dst, sv, [](TI v) { return static_cast<TO>(v); }); });
  });
}

void fill(const Tensor& dst, double value) {
  dispatch_all(dst.dtype(), "fill", [&]<typename T>() {
    const T v = static_cast<T>(value);
    Operands<1> ops = operands1<T>(dst);
    for_each(dst.shape(), ops,
             [v](const std::array<char*, 1>& p, const std::array<int64_t, 1>& s, int64_t n) {
               T* o = reinterpret_cast<T*>(p[0]);
               if (s[0] == sizeof(T)) {
                 std::fill(o, o + n, v);
               } else {
                 for (int64_t i = 0; i < n; ++i) o[i * s[0] / int64_t(sizeof(T))] = v;
               }
             });
  });
}

}  // namespace strata::kernels::cpu
