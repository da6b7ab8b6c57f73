// Rotary position embedding, written with strata's ops (autograd through each): the angles are computed in
// f64 and cast to x's dtype, then each half-split pair is rotated with four products and a concatenation.
#include "strata/ops/rotary.h"

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

void check_x(const Tensor& x, const char* op) {
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.is_floating_point(), "{}: x must be floating point, got {}", op, dtype_name(x.dtype()));
  STRATA_CHECK(x.dim() >= 2 && x.size(-1) % 2 == 0 && x.size(-1) > 0,
               "{}: x must be [..., T, D] with an even feature size D, got shape {}", op, x.shape().str());
}

}  // namespace

Tensor rotary_angles(const Tensor& positions, int64_t dim, double base) {
  STRATA_CHECK(dim > 0 && dim % 2 == 0, "rotary_angles: dim must be positive and even, got {}", dim);
  STRATA_CHECK(base > 0, "rotary_angles: base must be positive, got {}", base);
  const TensorOptions f64{.dtype = kFloat64, .device = positions.device()};
  const Tensor inv_freq =
      rdiv(pow(base, div(arange(0.0, static_cast<double>(dim), 2.0, f64), static_cast<double>(dim))), 1.0);
  return mul(unsqueeze(to_dtype(positions, kFloat64), -1), inv_freq);
}

Tensor apply_rotary_embedding(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  const char* op = "apply_rotary_embedding";
  check_x(x, op);
  const int64_t half = x.size(-1) / 2;
  STRATA_CHECK(
      cos.defined() && sin.defined() && cos.shape() == sin.shape() && cos.dim() >= 1 && cos.size(-1) == half,
      "{}: cos and sin must share a shape [..., T, {}] (half of x's {} features), got {} and {}", op, half,
      x.size(-1), cos.defined() ? cos.shape().str() : std::string("undefined"),
      sin.defined() ? sin.shape().str() : std::string("undefined"));
  const Tensor c = cos.dtype() == x.dtype() ? cos : to_dtype(cos, x.dtype());
  const Tensor s = sin.dtype() == x.dtype() ? sin : to_dtype(sin, x.dtype());
  const Tensor x1 = narrow(x, -1, 0, half), x2 = narrow(x, -1, half, half);
  return cat({sub(mul(x1, c), mul(x2, s)), add(mul(x2, c), mul(x1, s))}, -1);
}

Tensor apply_rotary_embedding(const Tensor& x, const Tensor& positions, double base) {
  const char* op = "apply_rotary_embedding";
  check_x(x, op);
  STRATA_CHECK(positions.defined() && positions.dtype() == kInt64 && positions.dim() >= 1 &&
                   positions.size(-1) == x.size(-2),
               "{}: positions must be i64 [..., T] with T = {} (x's dim -2; x of shape {}), got {}", op,
               x.size(-2), x.shape().str(),
               positions.defined()
                   ? fmt::format("{} {}", positions.shape().str(), dtype_name(positions.dtype()))
                   : std::string("undefined"));
  const Tensor angles = rotary_angles(positions, x.size(-1), base);
  return apply_rotary_embedding(x, cos(angles), sin(angles));
}

Tensor apply_rotary_embedding(const Tensor& x, int64_t offset, double base) {
  check_x(x, "apply_rotary_embedding");
  STRATA_CHECK(offset >= 0, "apply_rotary_embedding: offset must not be negative, got {}", offset);
  const int64_t T = x.size(-2);
  const Tensor positions = arange(static_cast<double>(offset), static_cast<double>(offset + T), 1.0,
                                  {.dtype = kInt64, .device = x.device()});
  return apply_rotary_embedding(x, positions, base);
}

}  // namespace strata::ops
