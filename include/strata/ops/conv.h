#pragma once
// Convolutions (oneDNN for f32, a reference path for f64), NCHW / NCL layouts, PyTorch semantics.
#include <string_view>

#include "strata/core/tensor.h"

namespace strata::ops {

// A (height, width) pair that a single number also converts to: {.stride = 2} or {.stride = {2, 1}}.
struct Size2 {
  int64_t h = 1, w = 1;
  Size2() = default;
  Size2(int64_t v) : h(v), w(v) {}
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2&) const = default;
};

// Padding as numbers or as PyTorch's modes "same" (output size = input size, stride 1) and "valid" (0).
struct Padding2 {
  int64_t h = 0, w = 0;
  bool same = false;
  Padding2() = default;
  Padding2(int64_t v) : h(v), w(v) {}
  Padding2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  // A string literal: {.padding = "same"}. (A template, so the literal 0 still means zero padding.)
  template <size_t N>
  Padding2(const char (&mode)[N]) : Padding2(from_mode(std::string_view(mode, N - 1))) {}
  // "same" or "valid"; anything else throws naming the mode.
  static Padding2 from_mode(std::string_view mode);
};

// x [N, C_in, H, W], weight [C_out, C_in / groups, kH, kW], bias [C_out] or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1,
              Padding2 padding = 0, Size2 dilation = 1, int64_t groups = 1);
// x [N, C_in, L], weight [C_out, C_in / groups, k]; runs as conv2d with H = 1.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              Padding2 padding = 0, int64_t dilation = 1, int64_t groups = 1);
// x [N, C_in, H, W], weight [C_in, C_out / groups, kH, kW] (PyTorch's layout).
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0, int64_t groups = 1, Size2 dilation = 1);

}  // namespace strata::ops
