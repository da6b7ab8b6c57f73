#pragma once
// Element counts of shapes that come from files or users, checked: a header's dimensions can multiply past
// 64 bits and wrap to a small number, which would make a tensor smaller than the data read into it.
#include <cstdint>
#include <string_view>

#include "strata/core/shape.h"

namespace strata {

// The product of the sizes (1 for a 0-dim shape); throws strata::Error naming `what` and the shape when a
// size is negative or the product overflows int64.
int64_t checked_numel(const Shape& shape, std::string_view what);

}  // namespace strata
