#pragma once
// Helpers shared by the tests: f64 inputs in several layouts for gradient checks, error assertions.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/strata.h"

namespace strata::testing {

// A contiguous f64 leaf of `shape` with values from N(0, 1) (or uniform in [lo, hi) when lo < hi).
inline Tensor input(const Shape& shape, uint64_t seed = 1, double lo = 0.0, double hi = 0.0) {
  Generator g(seed);
  Tensor t =
      lo < hi ? rand(shape, {.dtype = kFloat64}, &g) * (hi - lo) + lo : randn(shape, {.dtype = kFloat64}, &g);
  return t.detach().requires_grad_();
}

// A non-contiguous f64 leaf of `shape`: the transpose of a contiguous tensor (last two dims swapped).
inline Tensor transposed_input(const Shape& shape, uint64_t seed = 1, double lo = 0.0, double hi = 0.0) {
  Shape s = shape;
  std::swap(s[s.size() - 1], s[s.size() - 2]);
  Tensor base = input(s, seed, lo, hi).detach();
  return base.transpose(-1, -2).requires_grad_();
}

// A non-contiguous f64 leaf of `shape`: every other element along dim 0 of a larger tensor.
inline Tensor strided_input(const Shape& shape, uint64_t seed = 1, double lo = 0.0, double hi = 0.0) {
  Shape s = shape;
  s[0] = s[0] * 2;
  Tensor base = input(s, seed, lo, hi).detach();
  return base.slice(0, 0, s[0], 2).requires_grad_();
}

// A u8 attention mask of `shape` (nonzero = may attend), about three entries in four set.
inline Tensor u8_mask(const Shape& shape, uint64_t seed = 1) {
  Generator g(seed);
  return ops::lt(rand(shape, {.dtype = kFloat64}, &g), 0.75).to(kUInt8);
}

// Whether any element of t is NaN.
inline bool has_nan(const Tensor& t) {
  for (double x : t.to_vector<double>())
    if (std::isnan(x)) return true;
  return false;
}

// The message of the strata::Error that f() throws; a test failure and "" when it throws none.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected strata::Error";
  return "";
}

}  // namespace strata::testing

// Asserts that autograd matches finite differences for fn at inputs.
#define EXPECT_GRADCHECK(fn, ...)                                 \
  do {                                                            \
    auto _r = ::strata::autograd::gradcheck((fn), {__VA_ARGS__}); \
    EXPECT_TRUE(_r.ok) << _r.message;                             \
  } while (0)

// Asserts that `stmt` throws strata::Error whose message contains every one of the given strings.
#define EXPECT_ERROR_CONTAINS(stmt, ...)                                                   \
  do {                                                                                     \
    try {                                                                                  \
      stmt;                                                                                \
      ADD_FAILURE() << "expected strata::Error from " #stmt;                               \
    } catch (const ::strata::Error& _e) {                                                  \
      for (const std::string& _needle : std::initializer_list<std::string>{__VA_ARGS__}) { \
        EXPECT_NE(std::string(_e.what()).find(_needle), std::string::npos)                 \
            << "message: " << _e.what() << "\nmissing: " << _needle;                       \
      }                                                                                    \
    }                                                                                      \
  } while (0)
