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

struct Pool1dOptions {
  int64_t stride = 0;  // 0: same as kernel_size
  int64_t padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;  // AvgPool1d only
};

// Max over windows along L of [N, C, L] or [C, L] input.
class MaxPool1dImpl : public Module {
 public:
  explicit MaxPool1dImpl(int64_t kernel_size, Pool1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t kernel_size;
  Pool1dOptions options;
};
class MaxPool1d : public ModuleHolder<MaxPool1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit MaxPool1d(int64_t kernel_size, Pool1dOptions options = {})
      : ModuleHolder(std::make_shared<MaxPool1dImpl>(kernel_size, options)) {}
};

// Mean over windows along L of [N, C, L] or [C, L] input.
class AvgPool1dImpl : public Module {
 public:
  explicit AvgPool1dImpl(int64_t kernel_size, Pool1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t kernel_size;
  Pool1dOptions options;
};
class AvgPool1d : public ModuleHolder<AvgPool1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit AvgPool1d(int64_t kernel_size, Pool1dOptions options = {})
      : ModuleHolder(std::make_shared<AvgPool1dImpl>(kernel_size, options)) {}
};

}  // namespace strata::nn
