#pragma once
#include "strata/nn/module.h"
#include "strata/ops/pooling.h"

namespace strata::nn {

using ops::Size2;

struct PoolOptions {
  Size2 stride = 0;  // 0: same as kernel_size
  Size2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;  // AvgPool2d only
};

class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(Size2 kernel_size, PoolOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size;
  PoolOptions options;
};
class MaxPool2d : public ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit MaxPool2d(Size2 kernel_size, PoolOptions options = {})
      : ModuleHolder(std::make_shared<MaxPool2dImpl>(kernel_size, options)) {}
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(Size2 kernel_size, PoolOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size;
  PoolOptions options;
};
class AvgPool2d : public ModuleHolder<AvgPool2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit AvgPool2d(Size2 kernel_size, PoolOptions options = {})
      : ModuleHolder(std::make_shared<AvgPool2dImpl>(kernel_size, options)) {}
};

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(Size2 output_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 output_size;
};
STRATA_MODULE_HOLDER(AdaptiveAvgPool2d);

}  // namespace strata::nn
