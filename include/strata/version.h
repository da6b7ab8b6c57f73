#pragma once
namespace strata {
inline constexpr const char* kVersion = "0.1.0";
}
