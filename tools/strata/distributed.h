#pragma once
// `mpirun -np N strata train`: the CLI's side of data-parallel training. Started by mpirun, train initialises
// the process group, gives each rank a DistributedSampler shard, wraps the model in DistributedDataParallel,
// reduces the epoch logs across ranks, and lets rank 0 alone print and write.
#include <cstdint>
#include <memory>

#include "strata/data/sampler.h"
#include "strata/nn/module.h"
#include "strata/train/callback.h"

namespace strata::cli {

class DistributedRun {
 public:
  // Starts the process group when launched by mpirun (otherwise a world of one that changes nothing). Threads
  // per rank default to the host's cores / the ranks on it unless `threads` (training.threads) is set.
  DistributedRun(int threads, bool shuffle, uint64_t seed);
  bool on() const { return on_; }
  // Rank 0 (or the only process) prints and writes files.
  bool writes() const { return rank_ == 0; }
  int world_size() const { return world_; }
  // The training sampler: this rank's shard (null when not distributed).
  std::shared_ptr<const data::Sampler> sampler(int64_t dataset_size) const;
  // Broadcasts rank 0's weights and averages gradients from now on (nothing when not distributed).
  void wrap(const std::shared_ptr<nn::Module>& model);
  // Combines the epoch logs across ranks (an empty function when not distributed).
  std::function<void(train::Logs&)> reduce_logs() const;
  // Finalises the process group after a successful run.
  void finish();

 private:
  bool on_ = false;
  int rank_ = 0;
  int world_ = 1;
  bool shuffle_ = true;
  uint64_t seed_ = 0;
  std::shared_ptr<nn::Module> ddp_;
};

}  // namespace strata::cli
