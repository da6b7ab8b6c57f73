#include "strata/fed/gaussian_noise.h"

#include <cmath>
#include <cstring>
#include <mutex>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::fed {
namespace {

// "lowbias32" (C. Wellons' hash-prospector): a well-mixed 32-bit permutation of two multiplies.
inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// log(x) for x in (0, 1]: exponent * ln 2 + log(m), m in [1, 2), by the atanh series in t = (m-1)/(m+1).
inline float fast_log(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  const float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 127);
  const uint32_t mbits = (bits & 0x007fffffU) | 0x3f800000U;
  float m;
  std::memcpy(&m, &mbits, 4);
  const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  const float p =
      1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9 + t2 * (1.0f / 11)))));
  return e * 0.69314718f + 2.0f * t * p;
}

// The two normals (std s) of pair c: Box-Muller on two hashed uniforms.
inline void normal_pair(uint32_t c, uint32_t k1, uint32_t k2, float s, float& z1, float& z2) {
  constexpr float kHalfPi = 1.57079632679f;
  const uint32_t h1 = hash32(hash32((2 * c) ^ k1) + k2), h2 = hash32(hash32((2 * c + 1) ^ k1) + k2);
  const float u1 = static_cast<float>(static_cast<int32_t>((h1 >> 8) + 1)) * (1.0f / 16777216.0f);  // (0, 1]
  const float r = s * std::sqrt(-2.0f * fast_log(u1));
  // The angle: quadrant q from two bits, and beta uniform in [-pi/4, pi/4) from 22 more.
  const uint32_t q = h2 & 3U;
  const float beta =
      (static_cast<float>(static_cast<int32_t>(h2 >> 10)) * (1.0f / 4194304.0f) - 0.5f) * kHalfPi;
  const float b2 = beta * beta;
  // Taylor polynomials in Horner form with constant coefficients: multiplies and adds only (b2 / 6 would be
  // a division per term, and the divider would bound the loop).
  const float sn =
      beta * (1.0f + b2 * (-1.0f / 6 + b2 * (1.0f / 120 + b2 * (-1.0f / 5040 + b2 * (1.0f / 362880)))));
  const float cs =
      1.0f +
      b2 * (-1.0f / 2 + b2 * (1.0f / 24 + b2 * (-1.0f / 720 + b2 * (1.0f / 40320 + b2 * (-1.0f / 3628800)))));
  // (cos, sin) of q * pi/2 + beta, selected by arithmetic so the loop has no branch: odd quadrants swap
  // cos and sin; cos is negative in quadrants 1 and 2, sin in 2 and 3.
  const float odd = static_cast<float>(static_cast<int32_t>(q & 1U));
  const float a = cs + odd * (sn - cs), b = sn + odd * (cs - sn);
  const float sign_c = 1.0f - 2.0f * static_cast<float>(static_cast<int32_t>(((q + 1U) >> 1) & 1U));
  const float sign_s = 1.0f - 2.0f * static_cast<float>(static_cast<int32_t>((q >> 1) & 1U));
  z1 = r * sign_c * a;
  z2 = r * sign_s * b;
}

}  // namespace

void add_gaussian_noise(Tensor& t, double std, Generator& generator) {
  STRATA_CHECK(std >= 0 && std::isfinite(std), "add_gaussian_noise: std must be finite and >= 0, got {}",
               std);
  STRATA_CHECK(
      t.defined() && t.dtype() == kFloat32 && t.is_contiguous(),
      "add_gaussian_noise: expected a contiguous f32 tensor, got {}",
      t.defined() ? t.shape().str() + " " + std::string(dtype_name(t.dtype())) : std::string("undefined"));
  uint64_t key;
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    key = generator.engine()();
  }
  const int64_t n = t.numel(), pairs = n / 2;
  float* o = t.data_ptr<float>();
  float* o2 = o + pairs;
  const uint32_t k1 = static_cast<uint32_t>(key), k2 = static_cast<uint32_t>(key >> 32);
  const float s = static_cast<float>(std);
  // Pair i goes to elements i and pairs + i; an odd count's last element takes pair `pairs`.
  for (int64_t i = 0; i < pairs; ++i) {
    float z1, z2;
    normal_pair(static_cast<uint32_t>(i), k1, k2, s, z1, z2);
    o[i] += z1;
    o2[i] += z2;
  }
  if (n % 2) {
    float z1, z2;
    normal_pair(static_cast<uint32_t>(pairs), k1, k2, s, z1, z2);
    o[n - 1] += z1;
  }
}

Tensor gaussian_noise(const Shape& shape, double std, Generator& generator) {
  Tensor out = zeros(shape, {.dtype = kFloat32});
  add_gaussian_noise(out, std, generator);
  return out;
}

}  // namespace strata::fed
