#include "strata/core/generator.h"

namespace strata {

Generator& default_generator() {
  static Generator g(5489u);
  return g;
}

void manual_seed(uint64_t seed) {
  Generator& g = default_generator();
  std::lock_guard lock(g.mutex());
  g.manual_seed(seed);
}

}  // namespace strata
