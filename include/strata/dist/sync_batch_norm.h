#pragma once
// SyncBatchNorm: BatchNorm whose training statistics are those of the global batch across all ranks
// (PyTorch's torch.nn.SyncBatchNorm), so N ranks with batch B normalise as one process with batch N x B. Same
// parameters and buffers as BatchNorm (weight, bias, running_mean, running_var, num_batches_tracked);
// evaluation uses the running statistics and no communication. Without an initialised group of several ranks
// it is BatchNorm.
#include <memory>

#include "strata/nn/module.h"
#include "strata/nn/normalization.h"

namespace strata::dist {

class SyncBatchNormImpl : public nn::Module {
 public:
  explicit SyncBatchNormImpl(int64_t num_features, nn::BatchNormOptions options = {});
  // input [N, C, *]; training: statistics over N and * on every rank together.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_features;
  nn::BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};

class SyncBatchNorm : public nn::ModuleHolder<SyncBatchNormImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit SyncBatchNorm(int64_t num_features, nn::BatchNormOptions options = {})
      : ModuleHolder(std::make_shared<SyncBatchNormImpl>(num_features, options)) {}
};

// Replaces every BatchNorm1d/2d inside `module` by a SyncBatchNorm holding the same parameters and buffers
// (PyTorch's SyncBatchNorm.convert_sync_batchnorm); returns how many were replaced. Build the optimiser
// after.
int64_t convert_sync_batchnorm(nn::Module& module);

}  // namespace strata::dist
