#pragma once
// Helpers shared by the optimisers: parameter and option checks, the gradient a fused update reads, the
// in-place update wrapper, and reading/writing state dicts of tensors.
#include <set>
#include <string>
#include <vector>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/optim/optimizer.h"

namespace strata::optim::detail {

// Throws unless every parameter is a defined f32/f64 leaf, no tensor appears twice, and there is at least
// one.
void check_params(const std::vector<const std::vector<Tensor>*>& groups, const char* name);

template <typename Options>
void check_groups(const std::vector<ParamGroup<Options>>& groups, const char* name) {
  std::vector<const std::vector<Tensor>*> lists;
  for (const auto& g : groups) lists.push_back(&g.params);
  check_params(lists, name);
}

// Throws "<name>: invalid <option> <value> (must be >= 0)" unless value >= 0 (NaN fails too).
void check_non_negative(double value, const char* option, const char* name);
// Throws unless 0 <= value < 1.
void check_unit_interval(double value, const char* option, const char* name);
// Throws unless group < groups.
void check_group(size_t group, size_t groups, const char* name);

// The gradient of `param` as a fused update reads it: contiguous and of the parameter's dtype (undefined when
// the parameter has none or is frozen, so every optimiser skips it). Throws when its shape or device does not match.
Tensor step_grad(const Tensor& param, const char* name);

// A new contiguous state tensor shaped like `param`, filled with `value`.
Tensor state_like(const Tensor& param, double value = 0.0);

// Runs update(contiguous parameter) without recording; a strided parameter is updated through a contiguous
// copy that is written back. Bumps the parameter's storage version.
template <typename F>
void update_in_place(const Tensor& param, F&& update) {
  NoGradGuard no_grad;
  if (param.is_contiguous()) {
    update(param);
    param.storage().bump_version();
  } else {
    Tensor staged = param.detach().contiguous();
    update(staged);
    Tensor target = param.detach();
    target.copy_(staged);  // bumps the version
  }
}

// ---- state dicts ----------------------------------------------------------------------------------------
std::string state_key(size_t group, size_t index, const char* name);
std::string group_key(size_t group, const char* option);
Tensor scalar_f64(double value);
Tensor scalar_i64(int64_t value);
// A copy of a state tensor, so a saved dict does not change when the optimiser steps on.
Tensor snapshot(const Tensor& t);

// Reads a state dict, remembering what was read so that leftover (unknown) keys can be reported.
class StateReader {
 public:
  StateReader(const StateDict& dict, std::string who) : dict_(dict), who_(std::move(who)) {}
  bool has(const std::string& key) const { return dict_.count(key) > 0; }
  // Whether any state.<group>.<index>.<name> entry exists for the given names.
  bool has_any(size_t group, size_t index, std::initializer_list<const char*> names) const;
  // A one-element entry as double / int64 / bool; throws when missing or not one element.
  double f64(const std::string& key);
  int64_t i64(const std::string& key);
  bool flag(const std::string& key) { return i64(key) != 0; }
  // A copy of a tensor entry, checked to have `like`'s shape and converted to its dtype.
  Tensor tensor(const std::string& key, const Tensor& like);
  // Checks group.<group>.params, the number of parameters the group had when saved.
  void expect_group_size(size_t group, size_t size);
  // Throws naming any key that was never read.
  void finish() const;
  const std::string& who() const { return who_; }

 private:
  const Tensor& get(const std::string& key);
  const StateDict& dict_;
  std::string who_;
  std::set<std::string> used_;
};

}  // namespace strata::optim::detail
