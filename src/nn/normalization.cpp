#include "strata/nn/normalization.h"

#include "ops/batch_norm_relu.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/normalization.h"

namespace strata::nn {

BatchNormImpl::BatchNormImpl(const char* type_name, int64_t expected_dims_min, int64_t expected_dims_max,
                             int64_t num_features, BatchNormOptions options)
    : Module(type_name),
      num_features(num_features),
      options(options),
      min_dims_(expected_dims_min),
      max_dims_(expected_dims_max) {
  STRATA_CHECK(num_features > 0, "{}: num_features must be positive, got {}", type_name, num_features);
  STRATA_CHECK(options.eps > 0, "{}: eps must be positive, got {}", type_name, options.eps);
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = kInt64}));
  }
}

Tensor BatchNormImpl::forward(const Tensor& input) { return run(input, false); }

Tensor BatchNormImpl::forward_relu(const Tensor& input) { return run(input, true); }

Tensor BatchNormImpl::run(const Tensor& input, bool relu) {
  const std::string& name = type_name();
  STRATA_CHECK(input.defined(), "{}: undefined input", name);
  const std::string dims = min_dims_ == max_dims_ ? fmt::format("{}-D", min_dims_)
                                                  : fmt::format("{}-D or {}-D", min_dims_, max_dims_);
  STRATA_CHECK(input.dim() >= min_dims_ && input.dim() <= max_dims_, "{}: expected {} input, got shape {}",
               name, dims, input.shape().str());
  STRATA_CHECK(input.size(1) == num_features,
               "{}: expected input with {} channels (num_features) in dim 1, got shape {}", name,
               num_features, input.shape().str());
  const bool training = is_training();
  if (training && options.track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
  }
  // As PyTorch: batch statistics in training, and in eval when no running statistics are kept.
  const bool use_batch_stats = training || !options.track_running_stats;
  if (relu) {
    return ops::batch_norm_relu(input, running_mean, running_var, weight, bias, use_batch_stats,
                                options.momentum, options.eps);
  }
  return ops::batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, options.momentum,
                         options.eps);
}

std::string BatchNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features, options.eps,
                     options.momentum, options.affine, options.track_running_stats);
}

LayerNormImpl::LayerNormImpl(Shape normalized_shape, double eps, bool elementwise_affine, bool bias)
    : Module("LayerNorm"), normalized_shape(normalized_shape), eps(eps) {
  STRATA_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must not be empty");
  for (int64_t d : normalized_shape)
    STRATA_CHECK(d > 0, "LayerNorm: normalized_shape {} has a non-positive size", normalized_shape.str());
  STRATA_CHECK(eps > 0, "LayerNorm: eps must be positive, got {}", eps);
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    if (bias) this->bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.defined(), "LayerNorm: undefined input");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool matches = input.dim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = input.size(input.dim() - k + i) == normalized_shape[i];
  STRATA_CHECK(matches, "LayerNorm: expected input with trailing dims {} (normalized_shape), got shape {}",
               normalized_shape.str(), input.shape().str());
  return ops::layer_norm(input, normalized_shape, weight, bias, eps);
}

std::string LayerNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", normalized_shape.str(), eps, weight.defined());
}

GroupNormImpl::GroupNormImpl(int64_t num_groups, int64_t num_channels, double eps, bool affine)
    : Module("GroupNorm"), num_groups(num_groups), num_channels(num_channels), eps(eps) {
  STRATA_CHECK(num_groups > 0 && num_channels > 0,
               "GroupNorm: num_groups and num_channels must be positive, got {} and {}", num_groups,
               num_channels);
  STRATA_CHECK(num_channels % num_groups == 0,
               "GroupNorm: num_channels ({}) must be divisible by num_groups ({})", num_channels, num_groups);
  STRATA_CHECK(eps > 0, "GroupNorm: eps must be positive, got {}", eps);
  if (affine) {
    weight = register_parameter("weight", ones({num_channels}));
    bias = register_parameter("bias", zeros({num_channels}));
  }
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.defined(), "GroupNorm: undefined input");
  STRATA_CHECK(input.dim() >= 2 && input.size(1) == num_channels,
               "GroupNorm: expected input of shape [N, {}, ...], got {}", num_channels, input.shape().str());
  return ops::group_norm(input, num_groups, weight, bias, eps);
}

std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", num_groups, num_channels, eps, weight.defined());
}

}  // namespace strata::nn
