#include "strata/core/numel.h"

namespace strata {

int64_t checked_numel(const Shape& shape, std::string_view what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    STRATA_CHECK(d >= 0, "{}: negative dimension in shape {}", what, shape.str());
    STRATA_CHECK(!__builtin_mul_overflow(n, d, &n),
                 "{}: shape {} has more elements than a 64-bit count holds (the product overflows)", what,
                 shape.str());
  }
  return n;
}

}  // namespace strata
