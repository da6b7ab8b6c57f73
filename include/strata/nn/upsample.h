#pragma once
// Upsample: F::interpolate as a layer (PyTorch's nn.Upsample).
#include "strata/nn/module.h"
#include "strata/ops/upsample.h"

namespace strata::nn {

// size or scale_factor (exactly one), mode, align_corners: as F::interpolate.
using UpsampleOptions = ops::InterpolateOptions;

class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(UpsampleOptions options);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  UpsampleOptions options;
};
class Upsample : public ModuleHolder<UpsampleImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  // nn::Upsample({.scale_factor = {2.0}, .mode = ops::InterpolateMode::Bilinear}).
  explicit Upsample(UpsampleOptions options)
      : ModuleHolder(std::make_shared<UpsampleImpl>(std::move(options))) {}
};

}  // namespace strata::nn
