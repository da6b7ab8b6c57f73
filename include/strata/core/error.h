#pragma once
// strata::Error: the one exception type users catch; its message names the op, shapes, file or field.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace strata {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace strata

// Throws strata::Error with a fmt-formatted message when `cond` is false.
#define STRATA_CHECK(cond, ...)                          \
  do {                                                   \
    if (!(cond)) [[unlikely]] {                          \
      throw ::strata::Error(::fmt::format(__VA_ARGS__)); \
    }                                                    \
  } while (0)

// Throws strata::Error unconditionally.
#define STRATA_FAIL(...) throw ::strata::Error(::fmt::format(__VA_ARGS__))
