// Magnitude pruning masks against torch.nn.utils.prune (tests/fixtures/prune.safetensors, from
// scripts/gen_fixtures_compress.py): l1_unstructured per weight and global_unstructured over two weights.
#include "golden_util.h"
#include "strata/compress/prune.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase masks(const std::string& name, double sparsity, bool global) {
  return {name, [sparsity, global](Case& c) {
            compress::PruningMasks m({{"w0", c.in("w0").clone()}, {"w1", c.in("w1").clone()}});
            m.prune(sparsity, global);
            return F::cat({m.masks()[0].reshape({-1}), m.masks()[1].reshape({-1})}, 0);
          }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {masks("layer_05", 0.5, false), masks("layer_08", 0.8, false),
                                              masks("global_05", 0.5, true), masks("global_08", 0.8, true)};
  return all;
}

STRATA_GOLDEN_TESTS(PruneGolden, "prune.safetensors", cases);

}  // namespace
}  // namespace strata
