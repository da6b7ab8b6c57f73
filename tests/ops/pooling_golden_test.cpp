// MaxPool2d, AvgPool2d and AdaptiveAvgPool2d against PyTorch (tests/fixtures/conv_pooling.safetensors):
// padding, ceil_mode and count_include_pad; outputs and input gradients in f32.
#include "conv_golden_util.h"
#include "strata/nn/pooling.h"

namespace strata {
namespace {

using layer_golden::Cases;

const Cases& cases() {
  static const Cases all = {
      {"max_pool2d", [] { return nn::MaxPool2d(2).ptr(); }},
      {"max_pool2d_padding", [] { return nn::MaxPool2d(3, {.stride = 2, .padding = 1}).ptr(); }},
      {"max_pool2d_ceil",
       [] { return nn::MaxPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true}).ptr(); }},
      {"max_pool2d_rect",
       [] {
         return nn::MaxPool2d({3, 2}, {.stride = {1, 2}, .padding = {1, 0}}).ptr();
       }},
      {"avg_pool2d", [] { return nn::AvgPool2d(2).ptr(); }},
      {"avg_pool2d_padding_include", [] { return nn::AvgPool2d(3, {.stride = 2, .padding = 1}).ptr(); }},
      {"avg_pool2d_padding_exclude",
       [] { return nn::AvgPool2d(3, {.stride = 2, .padding = 1, .count_include_pad = false}).ptr(); }},
      {"avg_pool2d_ceil_include",
       [] { return nn::AvgPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true}).ptr(); }},
      {"avg_pool2d_ceil_exclude",
       [] {
         return nn::AvgPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false})
             .ptr();
       }},
      {"avg_pool2d_ceil_no_padding", [] { return nn::AvgPool2d(2, {.ceil_mode = true}).ptr(); }},
      {"adaptive_avg_pool2d",
       [] {
         return nn::AdaptiveAvgPool2d(nn::Size2{3, 4}).ptr();
       }},
      {"adaptive_avg_pool2d_global", [] { return nn::AdaptiveAvgPool2d(nn::Size2{1}).ptr(); }},
      {"adaptive_avg_pool2d_upsample",
       [] {
         return nn::AdaptiveAvgPool2d(nn::Size2{5, 3}).ptr();
       }},
  };
  return all;
}

STRATA_LAYER_GOLDEN_TESTS(PoolingGolden, "conv_pooling.safetensors", cases);

// 1-D pooling in f64 and f32 ([N, C, L] and unbatched [C, L]): tests/fixtures/layers_pooling.safetensors,
// from scripts/gen_fixtures_layers.py.
using golden::Case;
using golden::GoldenCase;

golden::CaseFn max1(int64_t k, int64_t s = 0, int64_t p = 0, bool ceil = false) {
  return [=](Case& c) { return F::max_pool1d(c.in("x"), k, s, p, ceil); };
}

golden::CaseFn avg1(int64_t k, int64_t s = 0, int64_t p = 0, bool ceil = false, bool include = true) {
  return [=](Case& c) { return F::avg_pool1d(c.in("x"), k, s, p, ceil, include); };
}

const std::vector<GoldenCase>& cases_1d() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("max_pool1d", max1(2)),
      golden::f64_and_f32("max_pool1d_stride_padding", max1(3, 2, 1)),
      golden::f64_and_f32("max_pool1d_ceil", max1(3, 2, 1, true)),
      golden::f64_and_f32("avg_pool1d", avg1(2)),
      golden::f64_and_f32("avg_pool1d_padding_include", avg1(3, 2, 1)),
      golden::f64_and_f32("avg_pool1d_padding_exclude", avg1(3, 2, 1, false, false)),
      golden::f64_and_f32("avg_pool1d_ceil", avg1(3, 2, 1, true)),
      {{"max_pool1d_unbatched", max1(3, 2)},
       {"avg_pool1d_unbatched", avg1(3, 2, 1)},
       {"max_pool1d_module",
        [](Case& c) { return nn::MaxPool1d(3, {.stride = 2, .padding = 1})(c.in("x")); }},
       {"avg_pool1d_module",
        [](Case& c) { return nn::AvgPool1d(4, {.stride = 3, .padding = 2, .ceil_mode = true})(c.in("x")); }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(Pool1dGolden, "layers_pooling.safetensors", cases_1d);

}  // namespace
}  // namespace strata
