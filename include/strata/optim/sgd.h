#pragma once
#include "strata/optim/optimizer.h"

namespace strata::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

// Stochastic gradient descent with PyTorch's momentum/dampening/nesterov/weight_decay rules.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options = {});
  explicit SGD(std::vector<ParamGroup<SGDOptions>> groups);
  void step() override;
  size_t num_groups() const override { return groups_.size(); }
  double lr(size_t group = 0) const override;
  void set_lr(double lr, size_t group) override;
  using Optimizer::set_lr;
  std::vector<Tensor> parameters() const override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
  const std::vector<ParamGroup<SGDOptions>>& groups() const { return groups_; }

 private:
  std::vector<ParamGroup<SGDOptions>> groups_;
  std::vector<std::vector<Tensor>> momentum_buffers_;  // [group][param], undefined until first step
};

}  // namespace strata::optim
