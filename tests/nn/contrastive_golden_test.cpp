// The contrastive losses against PyTorch (tests/fixtures/contrastive.safetensors, from
// scripts/gen_fixtures_contrastive.py): SimCLR's NT-Xent and CLIP's symmetric cross-entropy.
#include "golden_util.h"
#include "strata/nn/contrastive.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase ntx(const std::string& name, double temperature) {
  return {name, [temperature](Case& c) { return nn::nt_xent_loss(c.in("z1"), c.in("z2"), temperature); }};
}

GoldenCase clip(const std::string& name) {
  return {name, [](Case& c) { return nn::clip_loss(c.in("image"), c.in("text"), c.in("logit_scale")); }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      ntx("ntx_t05", 0.5), ntx("ntx_t01", 0.1), ntx("ntx_t1_n2", 1.0), ntx("ntx_t02_f32", 0.2),
      clip("clip_s0"),     clip("clip_s265"),   clip("clip_n1"),       clip("clip_s2_f32"),
  };
  return all;
}

STRATA_GOLDEN_TESTS(ContrastiveGolden, "contrastive.safetensors", cases);

}  // namespace
}  // namespace strata
