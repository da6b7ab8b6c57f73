#pragma once
#include "strata/optim/optimizer.h"

namespace strata::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  explicit Adagrad(std::vector<ParamGroup<AdagradOptions>> groups);
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
    Tensor sum;
  };
  std::vector<ParamGroup<AdagradOptions>> groups_;
  std::vector<std::vector<State>> state_;
};

}  // namespace strata::optim
