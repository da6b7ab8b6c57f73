#pragma once
// Sampler: the order in which a DataLoader visits a dataset's samples in each epoch (PyTorch's
// torch.utils.data.Sampler); dist::DistributedSampler gives each rank its own shard.
#include <cstdint>
#include <vector>

namespace strata::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The dataset indices of epoch `epoch`, in the order they are batched (a pure function of the epoch).
  virtual std::vector<int64_t> indices(int64_t epoch) const = 0;
  // How many indices each epoch has.
  virtual int64_t size() const = 0;
};

}  // namespace strata::data
