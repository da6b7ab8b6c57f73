// Softmax and log-softmax against PyTorch (tests/fixtures/softmax.safetensors).
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

std::vector<GoldenCase> both(const std::string& name, int64_t dim) {
  return golden::join({
      golden::f64_and_f32("softmax_" + name, [dim](Case& c) { return F::softmax(c.in("x"), dim); }),
      golden::f64_and_f32("log_softmax_" + name, [dim](Case& c) { return F::log_softmax(c.in("x"), dim); }),
  });
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      both("dim0", 0),
      both("dim1", 1),
      both("dim2", 2),
      both("large", 1),
      golden::f64_and_f32("softmax_neg", [](Case& c) { return F::softmax(c.in("x"), -1); }),
      golden::f64_and_f32("log_softmax_neg", [](Case& c) { return F::log_softmax(c.in("x"), -2); }),
      {
          {"softmax_1d", [](Case& c) { return F::softmax(c.in("x"), 0); }},
          {"log_softmax_1d", [](Case& c) { return F::log_softmax(c.in("x"), 0); }},
          {"softmax_transposed", [](Case& c) { return F::softmax(c.in("x").t(), 1); }},
      },
  });
  return all;
}

STRATA_GOLDEN_TESTS(SoftmaxGolden, "softmax.safetensors", cases);

}  // namespace
}  // namespace strata
