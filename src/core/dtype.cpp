#include "strata/core/dtype.h"

#include "strata/core/error.h"

namespace strata {

size_t element_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return 4;
    case Dtype::Float64:
      return 8;
    case Dtype::Int64:
      return 8;
    case Dtype::UInt8:
      return 1;
    case Dtype::BFloat16:
      return 2;
  }
  STRATA_FAIL("unknown dtype {}", static_cast<int>(dtype));
}

std::string_view dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return "f32";
    case Dtype::Float64:
      return "f64";
    case Dtype::Int64:
      return "i64";
    case Dtype::UInt8:
      return "u8";
    case Dtype::BFloat16:
      return "bf16";
  }
  return "unknown";
}

bool is_floating(Dtype dtype) {
  return dtype == Dtype::Float32 || dtype == Dtype::Float64 || dtype == Dtype::BFloat16;
}

Dtype promote_types(Dtype a, Dtype b) {
  if (a == b) return a;
  auto rank = [](Dtype d) {
    switch (d) {
      case Dtype::UInt8:
        return 0;
      case Dtype::Int64:
        return 1;
      case Dtype::BFloat16:
        return 2;
      case Dtype::Float32:
        return 3;
      case Dtype::Float64:
        return 4;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::ostream& operator<<(std::ostream& os, Dtype dtype) { return os << dtype_name(dtype); }

}  // namespace strata
