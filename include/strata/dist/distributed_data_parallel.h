#pragma once
// DistributedDataParallel: data-parallel training across the ranks of the process group, as PyTorch's
// torch.nn.parallel.DistributedDataParallel. Wrap the model on every rank; each rank feeds its own shard
// (dist::DistributedSampler) and after loss.backward() every parameter's gradient is the mean over ranks, so
// the optimisers, stepping identically, keep the replicas equal.
//
// At construction rank 0's parameters and buffers are broadcast. Gradients are grouped into buckets
// (~bucket_cap_mb each, in reverse registration order: the order backward produces them), and a bucket's
// all-reduce starts (MPI_Iallreduce) as soon as the autograd engine has completed the gradients of all of
// its parameters, so communication overlaps the rest of backward; the end of backward waits for the last
// buckets and writes the averaged gradients back.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::dist {

struct DistributedDataParallelOptions {
  double bucket_cap_mb = 25.0;  // bucket size in MiB (PyTorch's default)
  // The first bucket (the last layers, ready first) is smaller, as in PyTorch, so that its all-reduce starts
  // early in backward; capped by bucket_cap_mb.
  double first_bucket_cap_mb = 1.0;
  bool broadcast_buffers = true;  // copy rank 0's buffers (BatchNorm running statistics) before each forward
};

// Communication figures of the steps so far (for the scaling table).
struct DdpStats {
  int64_t steps = 0;  // backwards synchronised
  int64_t bytes_reduced = 0;
  int64_t early_launches = 0;  // buckets started from the hooks while backward still had buckets to fill  //
                               // gradient bytes all-reduced by this rank, summed over steps
  double wait_seconds = 0.0;   // time spent at the end of backward waiting for all-reduces to finish
  double comm_seconds = 0.0;   // time inside MPI calls (launch, progress, wait) and bucket copies
};

class DistributedDataParallelImpl : public nn::Module {
 public:
  explicit DistributedDataParallelImpl(std::shared_ptr<nn::Module> module,
                                       DistributedDataParallelOptions options = {});
  ~DistributedDataParallelImpl() override;

  // Broadcasts buffers from rank 0 (when broadcast_buffers) and runs the wrapped module.
  Tensor forward(const Tensor& input) override;
  // The wrapped module (its parameters are "module.<name>" here, as in PyTorch).
  const std::shared_ptr<nn::Module>& module() const { return module_; }
  // Waits for every bucket and writes the averaged gradients; backward() calls it itself when it ends.
  void finish_gradient_synchronization();
  // Number of gradient buckets and the parameters of each (indices into parameters(), reverse order).
  const std::vector<std::vector<int64_t>>& bucket_indices() const { return bucket_params_; }
  const DdpStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 private:
  struct Bucket;
  void on_grad_ready(int64_t param);
  void launch_ready_buckets();
  void progress();

  std::shared_ptr<nn::Module> module_;
  DistributedDataParallelOptions options_;
  std::vector<Tensor> params_;                       // trainable parameters, registration order
  std::vector<std::vector<int64_t>> bucket_params_;  // per bucket, parameter indices
  std::vector<int64_t> bucket_of_;                   // per parameter, its bucket
  std::vector<int64_t> offset_of_;                   // per parameter, its offset in the bucket
  std::vector<int64_t> slot_of_;                     // per parameter, its index within its bucket
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<uint64_t> hook_ids_;
  size_t next_launch_ = 0;  // buckets are launched in index order, the same on every rank
  bool active_ = false;     // a backward has reached this model's parameters
  DdpStats stats_;
};

// Holder: auto ddp = dist::DistributedDataParallel(model); ddp(x).
class DistributedDataParallel {
 public:
  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module,
                                   DistributedDataParallelOptions options = {})
      : impl_(std::make_shared<DistributedDataParallelImpl>(std::move(module), options)) {}
  DistributedDataParallelImpl* operator->() const { return impl_.get(); }
  Tensor operator()(const Tensor& input) const { return (*impl_)(input); }
  operator std::shared_ptr<nn::Module>() const { return impl_; }
  const std::shared_ptr<DistributedDataParallelImpl>& ptr() const { return impl_; }

 private:
  std::shared_ptr<DistributedDataParallelImpl> impl_;
};

}  // namespace strata::dist
