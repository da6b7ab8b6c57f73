#pragma once
// Seeded, reproducible random number generation.
#include <cstdint>
#include <mutex>
#include <random>

namespace strata {

class Generator {
 public:
  explicit Generator(uint64_t seed = 5489u) { manual_seed(seed); }
  void manual_seed(uint64_t seed) {
    seed_ = seed;
    engine_.seed(seed);
  }
  uint64_t seed() const { return seed_; }
  std::mt19937_64& engine() { return engine_; }
  // Held while a factory draws a batch of numbers, so concurrent users get disjoint streams.
  std::mutex& mutex() { return mutex_; }

 private:
  uint64_t seed_ = 0;
  std::mt19937_64 engine_;
  std::mutex mutex_;
};

// The generator used when a function is given none.
Generator& default_generator();
// Seeds the default generator.
void manual_seed(uint64_t seed);

}  // namespace strata
