// RMSprop with PyTorch's update rules (plain or centered, optional momentum and L2 weight decay), one fused
// pass per parameter.
#include "strata/optim/rmsprop.h"

#include "kernels/optim.h"
#include "optim/optimizer_util.h"

namespace strata::optim {
namespace {

void validate(const RMSpropOptions& o, const char* name) {
  detail::check_non_negative(o.lr, "lr", name);
  detail::check_non_negative(o.alpha, "alpha", name);
  detail::check_non_negative(o.eps, "eps", name);
  detail::check_non_negative(o.momentum, "momentum", name);
  detail::check_non_negative(o.weight_decay, "weight_decay", name);
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : RMSprop(std::vector<ParamGroup<RMSpropOptions>>{{std::move(params), options}}) {}

RMSprop::RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups) : groups_(std::move(groups)) {
  detail::check_groups(groups_, "RMSprop");
  for (const auto& g : groups_) validate(g.options, "RMSprop");
  state_.resize(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) state_[g].resize(groups_[g].params.size());
}

void RMSprop::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const RMSpropOptions& o = groups_[g].options;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      const Tensor grad = detail::step_grad(p, "RMSprop");
      if (!grad.defined()) continue;
      State& st = state_[g][i];
      if (!st.square_avg.defined()) {
        st.step = 0;
        st.square_avg = detail::state_like(p);
      }
      if (o.momentum > 0 && !st.momentum_buffer.defined()) st.momentum_buffer = detail::state_like(p);
      if (o.centered && !st.grad_avg.defined()) st.grad_avg = detail::state_like(p);
      ++st.step;
      const kernels::RmspropStep s{o.lr, o.alpha, o.eps, o.weight_decay, o.momentum, o.centered};
      detail::update_in_place(p, [&](const Tensor& pc) {
        kernels::rmsprop_step(pc, grad, st.square_avg, st.momentum_buffer, st.grad_avg, s);
      });
    }
  }
}

double RMSprop::lr(size_t group) const {
  detail::check_group(group, groups_.size(), "RMSprop::lr");
  return groups_[group].options.lr;
}

void RMSprop::set_lr(double lr, size_t group) {
  detail::check_group(group, groups_.size(), "RMSprop::set_lr");
  detail::check_non_negative(lr, "lr", "RMSprop::set_lr");
  groups_[group].options.lr = lr;
}

std::vector<Tensor> RMSprop::parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

// Keys: group.<g>.params (i64, the group's parameter count), group.<g>.{lr,alpha,eps,weight_decay,momentum}
// (f64), group.<g>.centered (i64 0/1); per parameter that has stepped: state.<g>.<i>.step (i64), .square_avg,
// .momentum_buffer (momentum > 0), .grad_avg (centered).
StateDict RMSprop::state_dict() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const RMSpropOptions& o = groups_[g].options;
    out[detail::group_key(g, "params")] = detail::scalar_i64(static_cast<int64_t>(groups_[g].params.size()));
    out[detail::group_key(g, "lr")] = detail::scalar_f64(o.lr);
    out[detail::group_key(g, "alpha")] = detail::scalar_f64(o.alpha);
    out[detail::group_key(g, "eps")] = detail::scalar_f64(o.eps);
    out[detail::group_key(g, "weight_decay")] = detail::scalar_f64(o.weight_decay);
    out[detail::group_key(g, "momentum")] = detail::scalar_f64(o.momentum);
    out[detail::group_key(g, "centered")] = detail::scalar_i64(o.centered ? 1 : 0);
    for (size_t i = 0; i < state_[g].size(); ++i) {
      const State& st = state_[g][i];
      if (!st.square_avg.defined()) continue;
      out[detail::state_key(g, i, "step")] = detail::scalar_i64(st.step);
      out[detail::state_key(g, i, "square_avg")] = detail::snapshot(st.square_avg);
      if (st.momentum_buffer.defined())
        out[detail::state_key(g, i, "momentum_buffer")] = detail::snapshot(st.momentum_buffer);
      if (st.grad_avg.defined()) out[detail::state_key(g, i, "grad_avg")] = detail::snapshot(st.grad_avg);
    }
  }
  return out;
}

void RMSprop::load_state_dict(const StateDict& state) {
  const char* name = "RMSprop::load_state_dict";
  detail::StateReader r(state, name);
  std::vector<RMSpropOptions> options(groups_.size());
  std::vector<std::vector<State>> states(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    RMSpropOptions& o = options[g];
    r.expect_group_size(g, groups_[g].params.size());
    o.lr = r.f64(detail::group_key(g, "lr"));
    o.alpha = r.f64(detail::group_key(g, "alpha"));
    o.eps = r.f64(detail::group_key(g, "eps"));
    o.weight_decay = r.f64(detail::group_key(g, "weight_decay"));
    o.momentum = r.f64(detail::group_key(g, "momentum"));
    o.centered = r.flag(detail::group_key(g, "centered"));
    validate(o, name);
    states[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      if (!r.has_any(g, i, {"step", "square_avg", "momentum_buffer", "grad_avg"}))
        continue;  // not stepped yet
      State& st = states[g][i];
      st.step = r.i64(detail::state_key(g, i, "step"));
      STRATA_CHECK(st.step >= 0, "{}: entry '{}' holds a negative step count {}", name,
                   detail::state_key(g, i, "step"), st.step);
      st.square_avg = r.tensor(detail::state_key(g, i, "square_avg"), p);
      if (o.momentum > 0) st.momentum_buffer = r.tensor(detail::state_key(g, i, "momentum_buffer"), p);
      if (o.centered) st.grad_avg = r.tensor(detail::state_key(g, i, "grad_avg"), p);
    }
  }
  r.finish();
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  state_ = std::move(states);
}

}  // namespace strata::optim
