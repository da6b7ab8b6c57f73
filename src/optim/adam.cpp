// Adam and AdamW with PyTorch's update rules (bias correction, amsgrad, L2 vs decoupled weight decay), one
// fused pass per parameter.
#include "strata/optim/adam.h"

#include "kernels/optim.h"
#include "optim/optimizer_util.h"

namespace strata::optim {
namespace {

void validate(const AdamOptions& o, const char* name) {
  detail::check_non_negative(o.lr, "lr", name);
  detail::check_non_negative(o.eps, "eps", name);
  detail::check_unit_interval(o.betas.first, "beta1", name);
  detail::check_unit_interval(o.betas.second, "beta2", name);
  detail::check_non_negative(o.weight_decay, "weight_decay", name);
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup<AdamOptions>>{{std::move(params), options}}, false) {}

Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups) : Adam(std::move(groups), false) {}

Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups, bool decoupled_weight_decay)
    : groups_(std::move(groups)), decoupled_(decoupled_weight_decay) {
  const char* name = decoupled_ ? "AdamW" : "Adam";
  detail::check_groups(groups_, name);
  for (const auto& g : groups_) validate(g.options, name);
  state_.resize(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) state_[g].resize(groups_[g].params.size());
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup<AdamOptions>>{{std::move(params), options}}, true) {}

AdamW::AdamW(std::vector<ParamGroup<AdamOptions>> groups) : Adam(std::move(groups), true) {}

void Adam::step() {
  const char* name = decoupled_ ? "AdamW" : "Adam";
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdamOptions& o = groups_[g].options;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      const Tensor grad = detail::step_grad(p, name);
      if (!grad.defined()) continue;
      State& st = state_[g][i];
      if (!st.exp_avg.defined()) {
        st.step = 0;
        st.exp_avg = detail::state_like(p);
        st.exp_avg_sq = detail::state_like(p);
      }
      if (o.amsgrad && !st.max_exp_avg_sq.defined()) st.max_exp_avg_sq = detail::state_like(p);
      ++st.step;
      const kernels::AdamStep s{o.lr,           o.betas.first, o.betas.second, o.eps,
                                o.weight_decay, decoupled_,    o.amsgrad,      st.step};
      detail::update_in_place(p, [&](const Tensor& pc) {
        kernels::adam_step(pc, grad, st.exp_avg, st.exp_avg_sq, st.max_exp_avg_sq, s);
      });
    }
  }
}

double Adam::lr(size_t group) const {
  detail::check_group(group, groups_.size(), decoupled_ ? "AdamW::lr" : "Adam::lr");
  return groups_[group].options.lr;
}

void Adam::set_lr(double lr, size_t group) {
  const char* name = decoupled_ ? "AdamW::set_lr" : "Adam::set_lr";
  detail::check_group(group, groups_.size(), name);
  detail::check_non_negative(lr, "lr", name);
  groups_[group].options.lr = lr;
}

std::vector<Tensor> Adam::parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

// Keys: group.<g>.params (i64, the group's parameter count), group.<g>.{lr,beta1,beta2,eps,weight_decay}
// (f64), group.<g>.amsgrad and .decoupled_weight_decay (i64 0/1); per parameter that has stepped:
// state.<g>.<i>.step (i64), .exp_avg, .exp_avg_sq and, with amsgrad, .max_exp_avg_sq.
StateDict Adam::state_dict() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdamOptions& o = groups_[g].options;
    out[detail::group_key(g, "params")] = detail::scalar_i64(static_cast<int64_t>(groups_[g].params.size()));
    out[detail::group_key(g, "lr")] = detail::scalar_f64(o.lr);
    out[detail::group_key(g, "beta1")] = detail::scalar_f64(o.betas.first);
    out[detail::group_key(g, "beta2")] = detail::scalar_f64(o.betas.second);
    out[detail::group_key(g, "eps")] = detail::scalar_f64(o.eps);
    out[detail::group_key(g, "weight_decay")] = detail::scalar_f64(o.weight_decay);
    out[detail::group_key(g, "amsgrad")] = detail::scalar_i64(o.amsgrad ? 1 : 0);
    out[detail::group_key(g, "decoupled_weight_decay")] = detail::scalar_i64(decoupled_ ? 1 : 0);
    for (size_t i = 0; i < state_[g].size(); ++i) {
      const State& st = state_[g][i];
      if (!st.exp_avg.defined()) continue;
      out[detail::state_key(g, i, "step")] = detail::scalar_i64(st.step);
      out[detail::state_key(g, i, "exp_avg")] = detail::snapshot(st.exp_avg);
      out[detail::state_key(g, i, "exp_avg_sq")] = detail::snapshot(st.exp_avg_sq);
      if (st.max_exp_avg_sq.defined())
        out[detail::state_key(g, i, "max_exp_avg_sq")] = detail::snapshot(st.max_exp_avg_sq);
    }
  }
  return out;
}

void Adam::load_state_dict(const StateDict& state) {
  const char* name = decoupled_ ? "AdamW::load_state_dict" : "Adam::load_state_dict";
  detail::StateReader r(state, name);
  std::vector<AdamOptions> options(groups_.size());
  std::vector<std::vector<State>> states(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    AdamOptions& o = options[g];
    r.expect_group_size(g, groups_[g].params.size());
    o.lr = r.f64(detail::group_key(g, "lr"));
    o.betas = {r.f64(detail::group_key(g, "beta1")), r.f64(detail::group_key(g, "beta2"))};
    o.eps = r.f64(detail::group_key(g, "eps"));
    o.weight_decay = r.f64(detail::group_key(g, "weight_decay"));
    o.amsgrad = r.flag(detail::group_key(g, "amsgrad"));
    const bool decoupled = r.flag(detail::group_key(g, "decoupled_weight_decay"));
    STRATA_CHECK(decoupled == decoupled_, "{}: the state dict was saved by {} (decoupled_weight_decay {})",
                 name, decoupled ? "AdamW" : "Adam", decoupled ? 1 : 0);
    validate(o, name);
    states[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      if (!r.has_any(g, i, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})) continue;  // not stepped yet
      State& st = states[g][i];
      st.step = r.i64(detail::state_key(g, i, "step"));
      STRATA_CHECK(st.step >= 0, "{}: entry '{}' holds a negative step count {}", name,
                   detail::state_key(g, i, "step"), st.step);
      st.exp_avg = r.tensor(detail::state_key(g, i, "exp_avg"), p);
      st.exp_avg_sq = r.tensor(detail::state_key(g, i, "exp_avg_sq"), p);
      if (o.amsgrad) st.max_exp_avg_sq = r.tensor(detail::state_key(g, i, "max_exp_avg_sq"), p);
    }
  }
  r.finish();
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  state_ = std::move(states);
}

}  // namespace strata::optim
