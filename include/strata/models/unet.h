#pragma once
// U-Net (Ronneberger et al., 2015) for semantic segmentation: an encoder of double convolutions (3x3 conv -
// BatchNorm - ReLU, twice) and 2x2 max pools, a decoder of 2x2 stride-2 transposed convolutions, each
// followed by concatenation with the encoder's features at that scale (the skip connection) and a double
// convolution, and a 1x1 convolution to per-pixel class logits. Names follow the common PyTorch layout
// (inc, downs.<i>, ups.<i>.up / ups.<i>.conv, outc). Inputs need height and width divisible by 2^depth.
#include <cstdint>
#include <vector>

#include "strata/nn/container.h"
#include "strata/nn/conv.h"

namespace strata::models {

struct UNetOptions {
  int64_t in_channels = 1;
  int64_t num_classes = 2;     // output channels (background counts as a class)
  int64_t base_channels = 16;  // channels of the first double convolution; doubled at every level
  int64_t depth = 3;           // down-sampling steps
};

// The decoder step: up-sample by a transposed convolution, concatenate the skip, double convolution.
class UNetUpImpl : public nn::Module {
 public:
  // in_channels from below; the skip has in_channels / 2 and so does the output.
  explicit UNetUpImpl(int64_t in_channels);
  // Up-samples `x` and merges it with `skip`.
  Tensor forward(const Tensor& x, const Tensor& skip);
  Tensor forward(const Tensor& x) override;
  nn::ConvTranspose2d up;
  nn::Sequential conv;
};
STRATA_MODULE_HOLDER(UNetUp);

class UNetImpl : public nn::Module {
 public:
  explicit UNetImpl(const UNetOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes, H, W] logits; throws naming H and W when they are not
  // multiples of 2^depth.
  Tensor forward(const Tensor& x) override;
  UNetOptions options;
  nn::Sequential inc;
  std::vector<nn::Sequential> downs;  // max pool + double convolution
  std::vector<UNetUp> ups;
  nn::Conv2d outc;
};
STRATA_MODULE_HOLDER(UNet);

// 3x3 conv (no bias) - BatchNorm - ReLU, twice.
nn::Sequential double_conv(int64_t in_channels, int64_t out_channels);

}  // namespace strata::models
