#pragma once
#include "strata/nn/module.h"

namespace strata::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

// Shared by BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]).
class BatchNormImpl : public Module {
 public:
  BatchNormImpl(const char* type_name, int64_t expected_dims_min, int64_t expected_dims_max,
                int64_t num_features, BatchNormOptions options);
  Tensor forward(const Tensor& input) override;
  // relu(forward(input)), fused into one kernel where one exists (nn::Sequential runs BatchNorm + ReLU so).
  Tensor forward_relu(const Tensor& input);
  std::string extra_repr() const override;
  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  Tensor run(const Tensor& input, bool relu);
  int64_t min_dims_, max_dims_;
};

class BatchNorm1dImpl : public BatchNormImpl {
 public:
  explicit BatchNorm1dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm1d", 2, 3, num_features, options) {}
};
class BatchNorm1d : public ModuleHolder<BatchNorm1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {})
      : ModuleHolder(std::make_shared<BatchNorm1dImpl>(num_features, options)) {}
};

class BatchNorm2dImpl : public BatchNormImpl {
 public:
  explicit BatchNorm2dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm2d", 4, 4, num_features, options) {}
};
class BatchNorm2d : public ModuleHolder<BatchNorm2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {})
      : ModuleHolder(std::make_shared<BatchNorm2dImpl>(num_features, options)) {}
};

class LayerNormImpl : public Module {
 public:
  // bias = false keeps the weight only (PyTorch 2.1's LayerNorm(..., bias=False)).
  explicit LayerNormImpl(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                         bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Shape normalized_shape;
  double eps;
  Tensor weight, bias;
};
STRATA_MODULE_HOLDER(LayerNorm);

class GroupNormImpl : public Module {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  Tensor weight, bias;
};
STRATA_MODULE_HOLDER(GroupNorm);

}  // namespace strata::nn
