#pragma once
// exp written so that loops over arrays vectorise (libm's exp is a scalar call): the argument is split as
// n * ln2 + r with |r| <= ln2 / 2, exp(r) comes from a polynomial and 2^n is built directly in the
// exponent bits. Error is within a few ulp; results below ~2^-126 (f32) / ~2^-1022 (f64) flush to 0 and
// arguments above ~88.37 (f32) / ~709.4 (f64) give inf. Softmax and logsumexp call it on x - max <= 0.
// Out-of-range arguments are clamped to where 2^n itself becomes 0 or inf (so no select follows the
// arithmetic: GCC will not if-convert a select after trapping float ops, which would block vectorisation),
// and NaN passes through the arithmetic.
#include <bit>
#include <cmath>
#include <cstdint>

namespace strata::kernels::cpu {

inline float vexp(float x) {
  // n = -127 gives 2^n = 0 (exponent field 0); n = 128 gives inf (exponent field 255).
  float c = x < -88.0f ? -88.0f : x;
  c = c > 89.0f ? 89.0f : c;
  // Adding 1.5 * 2^23 rounds c * log2(e) to the integer n, which lands in the low mantissa bits of t.
  constexpr float kShift = 12582912.0f;
  const float t = std::fma(c, 1.44269504088896341f, kShift);
  const float n = t - kShift;
  float r = std::fma(n, -0.693359375f, c);  // ln2 split in two parts so n * ln2_hi is exact
  r = std::fma(n, 2.12194440e-4f, r);
  float p = 1.0f / 5040.0f;
  p = std::fma(p, r, 1.0f / 720.0f);
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  // (low bits of t) + 127 is the biased exponent of 2^n; the shift drops everything above it.
  const uint32_t bits = (std::bit_cast<uint32_t>(t) + 127u) << 23;
  return p * std::bit_cast<float>(bits);
}

inline double vexp(double x) {
  // n = -1023 gives 2^n = 0; n = 1024 gives inf.
  double c = x < -709.0 ? -709.0 : x;
  c = c > 710.0 ? 710.0 : c;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52
  const double t = std::fma(c, 1.4426950408889634074, kShift);
  const double n = t - kShift;
  double r = std::fma(n, -6.93147180369123816490e-01, c);
  r = std::fma(n, -1.90821492927058770002e-10, r);
  // Taylor series to r^13: the remainder is below 1e-17 on |r| <= ln2 / 2.
  double p = 1.0 / 6227020800.0;
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  const uint64_t bits = (std::bit_cast<uint64_t>(t) + 1023u) << 52;
  return p * std::bit_cast<double>(bits);
}

}  // namespace strata::kernels::cpu
