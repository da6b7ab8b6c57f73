#pragma once
// Element types a tensor can hold.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace strata {

enum class Dtype : uint8_t { Float32, Float64, Int64, UInt8, BFloat16 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kUInt8 = Dtype::UInt8;
inline constexpr Dtype kBFloat16 = Dtype::BFloat16;

// Bytes per element.
size_t element_size(Dtype dtype);
// Short name as users write it: "f32", "f64", "i64", "u8", "bf16".
std::string_view dtype_name(Dtype dtype);
// True for f32, f64, bf16.
bool is_floating(Dtype dtype);
// The dtype two operands are computed in (NumPy/PyTorch-style promotion).
Dtype promote_types(Dtype a, Dtype b);

std::ostream& operator<<(std::ostream& os, Dtype dtype);

// Maps a C++ type to its Dtype.
template <typename T>
struct DtypeOf;
template <>
struct DtypeOf<float> {
  static constexpr Dtype value = kFloat32;
};
template <>
struct DtypeOf<double> {
  static constexpr Dtype value = kFloat64;
};
template <>
struct DtypeOf<int64_t> {
  static constexpr Dtype value = kInt64;
};
template <>
struct DtypeOf<uint8_t> {
  static constexpr Dtype value = kUInt8;
};

}  // namespace strata
