#pragma once
// Per-device and per-dtype dispatch helpers shared by the kernel entry points.
#include <cstdint>

#include "strata/core/error.h"
#include "strata/core/tensor.h"

namespace strata::kernels {

// Throws: `op` has no kernel for `device` in this build.
[[noreturn]] void unsupported_device(const char* op, Device device);
// Throws: `op` does not support `dtype`.
[[noreturn]] void unsupported_dtype(const char* op, Dtype dtype);

// Calls f.template operator()<T>() with T the C++ type of `dtype` (f32, f64, i64, u8).
template <typename F>
decltype(auto) dispatch_all(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Int64:
      return f.template operator()<int64_t>();
    case Dtype::UInt8:
      return f.template operator()<uint8_t>();
    default:
      unsupported_dtype(op, dtype);
  }
}

// Same, for the floating dtypes f32 and f64 only.
template <typename F>
decltype(auto) dispatch_floating(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    default:
      unsupported_dtype(op, dtype);
  }
}

}  // namespace strata::kernels
