// Global pooling readouts against dense PyTorch (tests/fixtures/graph_pooling.safetensors,
// scripts/gen_fixtures_graph.py).
#include "golden_util.h"
#include "strata/nn/graph_pooling.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("global_add_pool",
                          [](Case& c) { return nn::global_add_pool(c.in("x"), c.in("batch")); }),
      golden::f64_and_f32("global_mean_pool",
                          [](Case& c) { return nn::global_mean_pool(c.in("x"), c.in("batch")); }),
      golden::f64_and_f32("global_max_pool",
                          [](Case& c) { return nn::global_max_pool(c.in("x"), c.in("batch")); }),
  });
  return all;
}

STRATA_GOLDEN_TESTS(GraphPoolingGolden, "graph_pooling.safetensors", cases);

}  // namespace
}  // namespace strata
