#pragma once
// erf for f32 written so that loops over arrays vectorise (libm's erff is a scalar call): a rational
// approximation p(x) / q(x) on x clamped to [-4, 4] (erf(+-4) rounds to +-1 in f32), the odd numerator of
// degree 13 and the even denominator of degree 6 (Eigen's generic_fast_erf_float). Largest error ~3.7e-7
// (3 ulp near +-1); NaN passes through the arithmetic (both clamps compare false).
#include <cmath>

namespace strata::kernels::cpu {

inline float verf(float v) {
  float x = v < -4.0f ? -4.0f : v;
  x = x > 4.0f ? 4.0f : x;
  const float x2 = x * x;
  float p = std::fma(x2, -2.72614225801306e-10f, 2.77068142495902e-08f);
  p = std::fma(x2, p, -2.10102402082508e-06f);
  p = std::fma(x2, p, -5.69250639462346e-05f);
  p = std::fma(x2, p, -7.34990630326855e-04f);
  p = std::fma(x2, p, -2.95459980854025e-03f);
  p = std::fma(x2, p, -1.60960333262415e-02f);
  float q = std::fma(x2, -1.45660718464996e-05f, -2.13374055278905e-04f);
  q = std::fma(x2, q, -1.68282697438203e-03f);
  q = std::fma(x2, q, -7.37332916720468e-03f);
  q = std::fma(x2, q, -1.42647390514189e-02f);
  return x * p / q;
}

}  // namespace strata::kernels::cpu
