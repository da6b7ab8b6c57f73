#pragma once
// DistributedSampler: gives each rank a disjoint shard of a dataset, reshuffled every epoch with the same
// permutation on every rank and padded (by repeating the first indices) so all shards have equal length, as
// PyTorch's torch.utils.data.distributed.DistributedSampler. Set it as DataLoaderOptions::sampler.
#include <cstdint>
#include <vector>

#include "strata/data/sampler.h"

namespace strata::dist {

struct DistributedSamplerOptions {
  int num_replicas = -1;   // shards; -1: dist::world_size()
  int rank = -1;           // this shard; -1: dist::rank()
  bool shuffle = true;     // permute each epoch (the permutation of (seed, epoch), the DataLoader's own)
  uint64_t seed = 0;       // same on every rank
  bool drop_last = false;  // drop the tail that does not divide evenly instead of padding
};

class DistributedSampler : public data::Sampler {
 public:
  DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options = {});
  // Indices rank, rank + num_replicas, ... of epoch `epoch`'s (padded) permutation.
  std::vector<int64_t> indices(int64_t epoch) const override;
  // Samples per rank: ceil(n / num_replicas), or floor with drop_last.
  int64_t size() const override { return per_rank_; }
  int num_replicas() const { return options_.num_replicas; }
  int rank() const { return options_.rank; }

 private:
  int64_t dataset_size_;
  DistributedSamplerOptions options_;
  int64_t per_rank_;
};

}  // namespace strata::dist
