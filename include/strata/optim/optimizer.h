#pragma once
// Optimiser base: parameter groups with their own options, zero_grad, learning-rate access for
// schedulers, and a state_dict of tensors (so it saves into the same safetensors checkpoint).
#include <map>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::optim {

using StateDict = std::map<std::string, Tensor>;

template <typename Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update to every parameter that has a gradient (runs without recording).
  virtual void step() = 0;
  // Drops every parameter's gradient.
  void zero_grad();
  virtual size_t num_groups() const = 0;
  virtual double lr(size_t group = 0) const = 0;
  virtual void set_lr(double lr, size_t group) = 0;
  // Sets the learning rate of every group.
  void set_lr(double lr);
  // All parameters of all groups.
  virtual std::vector<Tensor> parameters() const = 0;
  // Per-parameter state ("state.<group>.<index>.<name>") and group options ("group.<g>.<option>") as tensors.
  virtual StateDict state_dict() const = 0;
  // Restores what state_dict() saved; throws naming any missing or mis-shaped entry.
  virtual void load_state_dict(const StateDict& state) = 0;
};

}  // namespace strata::optim
