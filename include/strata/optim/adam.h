#pragma once
#include <utility>

#include "strata/optim/optimizer.h"

namespace strata::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;  // Adam: L2 added to the gradient; AdamW: decoupled decay
  bool amsgrad = false;
};

// Adam (and AdamW when decoupled_weight_decay), one fused pass per parameter.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  explicit Adam(std::vector<ParamGroup<AdamOptions>> groups);
  void step() override;
  size_t num_groups() const override { return groups_.size(); }
  double lr(size_t group = 0) const override;
  void set_lr(double lr, size_t group) override;
  using Optimizer::set_lr;
  std::vector<Tensor> parameters() const override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  Adam(std::vector<ParamGroup<AdamOptions>> groups, bool decoupled_weight_decay);

 private:
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  std::vector<ParamGroup<AdamOptions>> groups_;
  std::vector<std::vector<State>> state_;
  bool decoupled_;
};

// AdamW: Adam with decoupled weight decay (default 1e-2, as PyTorch).
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options = {.weight_decay = 1e-2});
  explicit AdamW(std::vector<ParamGroup<AdamOptions>> groups);
};

}  // namespace strata::optim
