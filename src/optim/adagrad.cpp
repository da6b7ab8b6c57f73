// Adagrad with PyTorch's update rules (learning-rate decay, L2 weight decay, initial accumulator), one fused
// pass per parameter.
#include "strata/optim/adagrad.h"

#include "kernels/optim.h"
#include "optim/optimizer_util.h"

namespace strata::optim {
namespace {

void validate(const AdagradOptions& o, const char* name) {
  detail::check_non_negative(o.lr, "lr", name);
  detail::check_non_negative(o.lr_decay, "lr_decay", name);
  detail::check_non_negative(o.weight_decay, "weight_decay", name);
  detail::check_non_negative(o.initial_accumulator_value, "initial_accumulator_value", name);
  detail::check_non_negative(o.eps, "eps", name);
}

}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Adagrad(std::vector<ParamGroup<AdagradOptions>>{{std::move(params), options}}) {}

Adagrad::Adagrad(std::vector<ParamGroup<AdagradOptions>> groups) : groups_(std::move(groups)) {
  detail::check_groups(groups_, "Adagrad");
  for (const auto& g : groups_) validate(g.options, "Adagrad");
  state_.resize(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) state_[g].resize(groups_[g].params.size());
}

void Adagrad::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdagradOptions& o = groups_[g].options;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      const Tensor grad = detail::step_grad(p, "Adagrad");
      if (!grad.defined()) continue;
      State& st = state_[g][i];
      // PyTorch fills the accumulator when the optimiser is built; doing it on first use gives the same
      // values.
      if (!st.sum.defined()) {
        st.step = 0;
        st.sum = detail::state_like(p, o.initial_accumulator_value);
      }
      ++st.step;
      const double clr = o.lr / (1 + static_cast<double>(st.step - 1) * o.lr_decay);
      const kernels::AdagradStep s{clr, o.weight_decay, o.eps};
      detail::update_in_place(p, [&](const Tensor& pc) { kernels::adagrad_step(pc, grad, st.sum, s); });
    }
  }
}

double Adagrad::lr(size_t group) const {
  detail::check_group(group, groups_.size(), "Adagrad::lr");
  return groups_[group].options.lr;
}

void Adagrad::set_lr(double lr, size_t group) {
  detail::check_group(group, groups_.size(), "Adagrad::set_lr");
  detail::check_non_negative(lr, "lr", "Adagrad::set_lr");
  groups_[group].options.lr = lr;
}

std::vector<Tensor> Adagrad::parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

// Keys: group.<g>.params (i64, the group's parameter count),
// group.<g>.{lr,lr_decay,weight_decay,initial_accumulator_value,eps} (f64); per parameter that has stepped:
// state.<g>.<i>.step (i64) and .sum.
StateDict Adagrad::state_dict() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdagradOptions& o = groups_[g].options;
    out[detail::group_key(g, "params")] = detail::scalar_i64(static_cast<int64_t>(groups_[g].params.size()));
    out[detail::group_key(g, "lr")] = detail::scalar_f64(o.lr);
    out[detail::group_key(g, "lr_decay")] = detail::scalar_f64(o.lr_decay);
    out[detail::group_key(g, "weight_decay")] = detail::scalar_f64(o.weight_decay);
    out[detail::group_key(g, "initial_accumulator_value")] = detail::scalar_f64(o.initial_accumulator_value);
    out[detail::group_key(g, "eps")] = detail::scalar_f64(o.eps);
    for (size_t i = 0; i < state_[g].size(); ++i) {
      const State& st = state_[g][i];
      if (!st.sum.defined()) continue;
      out[detail::state_key(g, i, "step")] = detail::scalar_i64(st.step);
      out[detail::state_key(g, i, "sum")] = detail::snapshot(st.sum);
    }
  }
  return out;
}

void Adagrad::load_state_dict(const StateDict& state) {
  const char* name = "Adagrad::load_state_dict";
  detail::StateReader r(state, name);
  std::vector<AdagradOptions> options(groups_.size());
  std::vector<std::vector<State>> states(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    AdagradOptions& o = options[g];
    r.expect_group_size(g, groups_[g].params.size());
    o.lr = r.f64(detail::group_key(g, "lr"));
    o.lr_decay = r.f64(detail::group_key(g, "lr_decay"));
    o.weight_decay = r.f64(detail::group_key(g, "weight_decay"));
    o.initial_accumulator_value = r.f64(detail::group_key(g, "initial_accumulator_value"));
    o.eps = r.f64(detail::group_key(g, "eps"));
    validate(o, name);
    states[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      if (!r.has_any(g, i, {"step", "sum"})) continue;  // not stepped yet
      State& st = states[g][i];
      st.step = r.i64(detail::state_key(g, i, "step"));
      STRATA_CHECK(st.step >= 0, "{}: entry '{}' holds a negative step count {}", name,
                   detail::state_key(g, i, "step"), st.step);
      st.sum = r.tensor(detail::state_key(g, i, "sum"), groups_[g].params[i]);
    }
  }
  r.finish();
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  state_ = std::move(states);
}

}  // namespace strata::optim
