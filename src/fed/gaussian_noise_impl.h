// The noise kernel, included once per instruction set by gaussian_noise.cpp (AVX2 and AVX-512 builds of the
// same source, so both give the same values).

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

// Box-Muller on two 32-bit draws (only their top 24 bits are used: xoshiro128+'s low bits are weak).
inline void normal_pair(uint32_t h1, uint32_t h2, float s, float& z1, float& z2) {
  constexpr float kHalfPi = 1.57079632679f;
  const float u1 = static_cast<float>(static_cast<int32_t>((h1 >> 8) + 1)) * (1.0f / 16777216.0f);  // (0, 1]
  const float r = s * std::sqrt(-2.0f * fast_log(u1));
  // The angle: quadrant q from the top two bits, and beta uniform in [-pi/4, pi/4) from the next 22.
  const uint32_t q = h2 >> 30;
  const float beta =
      (static_cast<float>(static_cast<int32_t>((h2 >> 8) & 0x3fffffU)) * (1.0f / 4194304.0f) - 0.5f) *
      kHalfPi;
  const float b2 = beta * beta;
  // Taylor polynomials in Horner form with constant coefficients: multiplies and adds only.
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

// Adds s * N(0, 1) to the `count` pairs (a[i], b[i]) of one chunk: kLanes xoshiro128+ streams side by side
// (the loop over lanes is what the compiler vectorises), seeded from the chunk's own key.
inline void add_chunk(float* a, float* b, int64_t count, uint64_t chunk_key, float s) {
  uint32_t x0[kLanes], x1[kLanes], x2[kLanes], x3[kLanes];
  seed_lanes(chunk_key, x0, x1, x2, x3);
  for (int64_t start = 0; start < count; start += kLanes) {
    uint32_t h1[kLanes], h2[kLanes];
    for (int l = 0; l < kLanes; ++l) {
      h1[l] = x0[l] + x3[l];
      xoshiro_next(x0[l], x1[l], x2[l], x3[l]);
      h2[l] = x0[l] + x3[l];
      xoshiro_next(x0[l], x1[l], x2[l], x3[l]);
    }
    if (count - start >= kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        float z1, z2;
        normal_pair(h1[l], h2[l], s, z1, z2);
        a[start + l] += z1;
        b[start + l] += z2;
      }
    } else {
      for (int64_t l = 0; l < count - start; ++l) {
        float z1, z2;
        normal_pair(h1[l], h2[l], s, z1, z2);
        a[start + l] += z1;
        b[start + l] += z2;
      }
    }
  }
}
