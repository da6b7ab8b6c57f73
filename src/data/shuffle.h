#pragma once
// Seeded permutations shared by random_split and the DataLoader. Written by hand (not std::shuffle or
// std::uniform_int_distribution, whose output differs between standard libraries) so an order depends
// only on the seed.
#include <cstdint>
#include <numeric>
#include <vector>

#include "strata/core/generator.h"

namespace strata::data::detail {

// SplitMix64 finaliser: spreads nearby seeds (seed, epoch) far apart.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Unbiased integer in [0, n) (rejection sampling over the largest multiple of n).
inline uint64_t bounded(std::mt19937_64& engine, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do {
    r = engine();
  } while (r >= limit);
  return r % n;
}

// A uniformly random permutation of 0..n-1 (Fisher-Yates).
inline std::vector<int64_t> permutation(int64_t n, Generator& generator) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  auto& engine = generator.engine();
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(bounded(engine, static_cast<uint64_t>(i) + 1));
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

}  // namespace strata::data::detail
