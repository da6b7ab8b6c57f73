#include "strata/core/error.h"
#include "strata/ops/conv.h"

namespace strata::ops {

Padding2 Padding2::from_mode(std::string_view mode) {
  if (mode == "valid") return Padding2(0);
  STRATA_CHECK(mode == "same", "padding: unknown mode '{}' (expected a number, \"same\" or \"valid\")", mode);
  Padding2 p;
  p.same = true;
  return p;
}

}  // namespace strata::ops
