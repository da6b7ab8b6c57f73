#pragma once
// The noise kernel behind fed::add_gaussian_noise, with the key and the instruction set explicit (tests check
// that the AVX2 and AVX-512 builds draw the same values).
#include <cstdint>

namespace strata::fed {

// Whether the CPU runs the AVX-512 build (and STRATA_NO_AVX512 is unset).
bool has_avx512();
// Adds s * N(0, 1) to o[0..n) from the streams of `key`; `wide` picks the AVX-512 build.
void add_normal_noise(float* o, int64_t n, uint64_t key, float s, bool wide);

}  // namespace strata::fed
