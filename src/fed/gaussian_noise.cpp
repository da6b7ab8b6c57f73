#include "strata/fed/gaussian_noise.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "fed/gaussian_noise_kernel.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::fed {
namespace {

constexpr int kLanes = 16;
// Pairs per chunk: each chunk has its own seeded streams, so the values do not depend on the thread count.
constexpr int64_t kChunkPairs = 8192;

// SplitMix64's finaliser: turns (key, chunk, lane) into well-mixed seeds.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline void seed_lanes(uint64_t chunk_key, uint32_t* x0, uint32_t* x1, uint32_t* x2, uint32_t* x3) {
  for (int l = 0; l < kLanes; ++l) {
    const uint64_t s0 = mix64(chunk_key + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(2 * l + 1));
    const uint64_t s1 = mix64(s0 + 0x9e3779b97f4a7c15ULL);
    x0[l] = static_cast<uint32_t>(s0);
    x1[l] = static_cast<uint32_t>(s0 >> 32);
    x2[l] = static_cast<uint32_t>(s1);
    x3[l] = static_cast<uint32_t>(s1 >> 32) | 1U;  // never the all-zero state
  }
}

// One step of xoshiro128 (Blackman and Vigna): shifts, xors and a rotation, no multiply.
inline void xoshiro_next(uint32_t& x0, uint32_t& x1, uint32_t& x2, uint32_t& x3) {
  const uint32_t t = x1 << 9;
  x2 ^= x0;
  x3 ^= x1;
  x1 ^= x2;
  x0 ^= x3;
  x2 ^= t;
  x3 = (x3 << 11) | (x3 >> 21);
}

namespace avx2 {
#include "fed/gaussian_noise_impl.h"
}  // namespace avx2

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl")
namespace avx512 {
#include "fed/gaussian_noise_impl.h"
}  // namespace avx512
#pragma GCC pop_options

// AVX-512 when the CPU has it and STRATA_NO_AVX512 is unset; both builds give the same values.
}  // namespace

bool has_avx512() {
  static const bool yes = !std::getenv("STRATA_NO_AVX512") && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return yes;
}

void add_normal_noise(float* o, int64_t n, uint64_t key, float s, bool wide) {
  // Pair i goes to elements i and half + i; an odd count's last element pairs with nothing (its partner
  // value is drawn and dropped).
  const int64_t half = (n + 1) / 2;
  const int64_t chunks = (half + kChunkPairs - 1) / kChunkPairs;
  float dropped[kChunkPairs];
#pragma omp parallel for schedule(static) if (chunks > 1) private(dropped)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunkPairs, count = std::min(kChunkPairs, half - begin);
    float* a = o + begin;
    float* b = o + half + begin;
    // The last chunk of an odd count has one pair whose second value falls outside the tensor.
    const int64_t inside = std::max<int64_t>(0, std::min(count, n - half - begin));
    if (inside < count) {
      std::memcpy(dropped, b, static_cast<size_t>(inside) * sizeof(float));
      b = dropped;
    }
    const uint64_t chunk_key = mix64(key ^ mix64(static_cast<uint64_t>(c)));
    if (wide) {
      avx512::add_chunk(a, b, count, chunk_key, s);
    } else {
      avx2::add_chunk(a, b, count, chunk_key, s);
    }
    if (b == dropped) std::memcpy(o + half + begin, dropped, static_cast<size_t>(inside) * sizeof(float));
  }
}

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
  add_normal_noise(t.data_ptr<float>(), t.numel(), key, static_cast<float>(std), has_avx512());
}

Tensor gaussian_noise(const Shape& shape, double std, Generator& generator) {
  Tensor out = zeros(shape, {.dtype = kFloat32});
  add_gaussian_noise(out, std, generator);
  return out;
}

}  // namespace strata::fed
