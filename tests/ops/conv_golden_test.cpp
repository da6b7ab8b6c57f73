// Conv2d, Conv1d and ConvTranspose2d against PyTorch (tests/fixtures/conv.safetensors): outputs and
// gradients of input, weight and bias in f32, with parameters loaded by their state_dict names.
#include "conv_golden_util.h"
#include "strata/nn/conv.h"

namespace strata {
namespace {

using layer_golden::Cases;

const Cases& cases() {
  static const Cases all = {
      {"conv2d_basic", [] { return nn::Conv2d(3, 4, 3).ptr(); }},
      {"conv2d_stride_padding", [] { return nn::Conv2d(3, 4, 3, {.stride = 2, .padding = 1}).ptr(); }},
      {"conv2d_stride_pair",
       [] {
         return nn::Conv2d(2, 3, {3, 2}, {.stride = {2, 3}, .padding = {1, 0}}).ptr();
       }},
      {"conv2d_same_even",
       [] {
         return nn::Conv2d(3, 2, {4, 2}, {.padding = "same"}).ptr();
       }},
      {"conv2d_same_dilation", [] { return nn::Conv2d(2, 3, 3, {.padding = "same", .dilation = 2}).ptr(); }},
      {"conv2d_valid", [] { return nn::Conv2d(2, 3, 3, {.padding = "valid"}).ptr(); }},
      {"conv2d_dilation",
       [] {
         return nn::Conv2d(2, 3, 3, {.padding = {1, 2}, .dilation = {2, 1}}).ptr();
       }},
      {"conv2d_groups", [] { return nn::Conv2d(4, 6, 3, {.padding = 1, .groups = 2}).ptr(); }},
      {"conv2d_depthwise",
       [] { return nn::Conv2d(4, 4, 3, {.stride = 2, .padding = 1, .groups = 4}).ptr(); }},
      {"conv2d_no_bias", [] { return nn::Conv2d(3, 2, 2, {.bias = false}).ptr(); }},
      {"conv1d", [] { return nn::Conv1d(3, 4, 3, {.stride = 2, .padding = 1, .dilation = 2}).ptr(); }},
      {"conv1d_same_groups", [] { return nn::Conv1d(4, 2, 4, {.padding = "same", .groups = 2}).ptr(); }},
      {"conv_transpose2d", [] { return nn::ConvTranspose2d(3, 2, 3).ptr(); }},
      {"conv_transpose2d_stride_output_padding",
       [] { return nn::ConvTranspose2d(3, 2, 3, {.stride = 2, .padding = 1, .output_padding = 1}).ptr(); }},
      {"conv_transpose2d_groups_dilation",
       [] {
         return nn::ConvTranspose2d(4, 6, 2,
                                    {.stride = {1, 2},
                                     .padding = {0, 1},
                                     .output_padding = {1, 0},
                                     .groups = 2,
                                     .dilation = 2})
             .ptr();
       }},
  };
  return all;
}

STRATA_LAYER_GOLDEN_TESTS(ConvGolden, "conv.safetensors", cases);

}  // namespace
}  // namespace strata
