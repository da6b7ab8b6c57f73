#pragma once
// ZeroRedundancyOptimizer: optimiser-state sharding across ranks (ZeRO stage 1; PyTorch's
// torch.distributed.optim.ZeroRedundancyOptimizer). The parameters are partitioned among the ranks (greedily
// by size); each rank builds the wrapped optimiser over its partition only, so it keeps and updates only that
// shard's state (Adam's moments: 1/N of them per rank), then the updated parameters are gathered (each
// broadcast from its owner) so every replica holds all of them again. Use with DistributedDataParallel
// (gradients already averaged).
#include <functional>
#include <memory>
#include <vector>

#include "strata/optim/optimizer.h"

namespace strata::dist {

class ZeroRedundancyOptimizer : public optim::Optimizer {
 public:
  // Builds the local optimiser over this rank's parameters, e.g.
  // [](std::vector<Tensor> p) { return std::make_shared<optim::Adam>(p, optim::AdamOptions{.lr = 1e-3}); }.
  using Factory = std::function<std::shared_ptr<optim::Optimizer>(std::vector<Tensor>)>;
  ZeroRedundancyOptimizer(std::vector<Tensor> params, const Factory& make_optimizer);

  // Updates this rank's partition, then gathers every rank's updated parameters (each broadcast by its
  // owner).
  void step() override;
  size_t num_groups() const override { return 1; }
  double lr(size_t group = 0) const override;
  void set_lr(double lr, size_t group) override;
  using optim::Optimizer::set_lr;
  // All parameters (every rank's partition).
  std::vector<Tensor> parameters() const override { return params_; }
  // This rank's shard of the state (what it keeps); load_state_dict restores a shard saved by the same rank
  // of a run with the same number of ranks.
  optim::StateDict state_dict() const override;
  void load_state_dict(const optim::StateDict& state) override;
  // Collective (every rank calls it): the whole state, keyed as the wrapped optimiser over all parameters
  // would key it (so a plain optimiser loads it too), on rank `to` (PyTorch's consolidate_state_dict); other
  // ranks get an empty dict. `to` = -1 gives it to every rank. Shards travel one rank at a time, so a rank
  // other than `to` never holds more than one foreign shard.
  optim::StateDict consolidated_state_dict(int to = 0) const;
  // Keeps this rank's shard of a whole state (from consolidated_state_dict, or from the wrapped optimiser
  // over all parameters) under the current partition: a run may resume with any number of ranks.
  void load_consolidated_state_dict(const optim::StateDict& state);

  // The rank owning each parameter (same order as parameters()).
  const std::vector<int>& owners() const { return owner_; }
  // Bytes of optimiser state this rank holds.
  int64_t local_state_bytes() const;

 private:
  std::vector<Tensor> params_;
  std::vector<int> owner_;
  std::vector<Tensor> local_params_;
  std::shared_ptr<optim::Optimizer> local_;  // null when this rank owns nothing
  double lr_ = 0.0;                          // when this rank owns nothing
};

}  // namespace strata::dist
