#pragma once
// Helpers shared by the metrics tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "strata/core/factory.h"

namespace strata::metrics::testing {

// Runs fn and returns the message of the strata::Error it throws (fails the test when it throws none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a strata::Error";
  return "";
}

// An i64 [N] tensor of class indices.
inline Tensor labels(const std::vector<int64_t>& v) { return from_vector(v); }

}  // namespace strata::metrics::testing
