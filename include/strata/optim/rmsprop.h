#pragma once
#include "strata/optim/optimizer.h"

namespace strata::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  explicit RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups);
  void step() override;
  size_t num_groups() const override { return groups_.size(); }
  double lr(size_t group = 0) const override;
  void set_lr(double lr, size_t group) override;
  using Optimizer::set_lr;
  std::vector<Tensor> parameters() const override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 private:
  struct State {
    int64_t step = 0;
    Tensor square_avg, momentum_buffer, grad_avg;
  };
  std::vector<ParamGroup<RMSpropOptions>> groups_;
  std::vector<std::vector<State>> state_;
};

}  // namespace strata::optim
