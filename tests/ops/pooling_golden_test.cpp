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

}  // namespace
}  // namespace strata
