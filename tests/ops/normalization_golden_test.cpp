// BatchNorm1d/2d (train and eval), LayerNorm and GroupNorm against PyTorch, and rms_norm
// (tests/fixtures/conv_normalization.safetensors): outputs, gradients of input, weight and bias, and the
// running statistics and num_batches_tracked after the step, in f32.
#include "conv_golden_util.h"
#include "golden_util.h"
#include "strata/nn/normalization.h"

namespace strata {
namespace {

using layer_golden::Cases;

const Cases& cases() {
  static const Cases all = {
      {"batch_norm1d_train", [] { return nn::BatchNorm1d(3).ptr(); }},
      {"batch_norm1d_3d_train", [] { return nn::BatchNorm1d(4, {.momentum = 0.3}).ptr(); }},
      {"batch_norm1d_eval", [] { return nn::BatchNorm1d(3).ptr(); }},
      {"batch_norm2d_train", [] { return nn::BatchNorm2d(3).ptr(); }},
      {"batch_norm2d_train_eps", [] { return nn::BatchNorm2d(2, {.eps = 1e-3, .momentum = 0.5}).ptr(); }},
      {"batch_norm2d_eval", [] { return nn::BatchNorm2d(3).ptr(); }},
      {"batch_norm2d_no_affine", [] { return nn::BatchNorm2d(3, {.affine = false}).ptr(); }},
      {"layer_norm", [] { return nn::LayerNorm(Shape{6}).ptr(); }},
      {"layer_norm_2d",
       [] {
         return nn::LayerNorm(Shape{3, 4}, 1e-3).ptr();
       }},
      {"layer_norm_no_affine", [] { return nn::LayerNorm(Shape{5}, 1e-5, false).ptr(); }},
      {"group_norm", [] { return nn::GroupNorm(2, 6).ptr(); }},
      {"group_norm_one_group", [] { return nn::GroupNorm(1, 4, 1e-3).ptr(); }},
      {"group_norm_per_channel", [] { return nn::GroupNorm(4, 4).ptr(); }},
  };
  return all;
}

STRATA_LAYER_GOLDEN_TESTS(NormalizationGolden, "conv_normalization.safetensors", cases);

// RMSNorm against explicit torch ops (PyTorch 1.13 has no RMSNorm; tests/fixtures/rms_norm.safetensors from
// scripts/gen_fixtures_transformer.py), with the default eps (the dtype's machine epsilon).
const std::vector<golden::GoldenCase>& rms_cases() {
  auto with_weight = [](Shape ns) {
    return [ns](golden::Case& c) { return F::rms_norm(c.in("x"), ns, c.in("weight")); };
  };
  static const std::vector<golden::GoldenCase> all = golden::join({
      golden::f64_and_f32("rms_norm", with_weight({6})),
      {{"rms_norm_two_dims", with_weight({3, 4})},
       {"rms_norm_no_weight", [](golden::Case& c) { return F::rms_norm(c.in("x"), {7}); }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(RMSNormGolden, "rms_norm.safetensors", rms_cases);

}  // namespace
}  // namespace strata
