// SGD with PyTorch's momentum / dampening / nesterov / weight-decay rules, one fused pass per parameter.
#include "strata/optim/sgd.h"

#include "kernels/optim.h"
#include "optim/optimizer_util.h"

namespace strata::optim {
namespace {

void validate(const SGDOptions& o, const char* name) {
  detail::check_non_negative(o.lr, "lr", name);
  detail::check_non_negative(o.momentum, "momentum", name);
  detail::check_non_negative(o.weight_decay, "weight_decay", name);
  STRATA_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
               "{}: nesterov momentum needs momentum > 0 and dampening 0 (got momentum {}, dampening {})",
               name, o.momentum, o.dampening);
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(std::vector<ParamGroup<SGDOptions>>{{std::move(params), options}}) {}

SGD::SGD(std::vector<ParamGroup<SGDOptions>> groups) : groups_(std::move(groups)) {
  detail::check_groups(groups_, "SGD");
  for (const auto& g : groups_) validate(g.options, "SGD");
  momentum_buffers_.resize(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) momentum_buffers_[g].resize(groups_[g].params.size());
}

void SGD::step() {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SGDOptions& o = groups_[g].options;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const Tensor& p = groups_[g].params[i];
      const Tensor grad = detail::step_grad(p, "SGD");
      if (!grad.defined()) continue;  // no gradient: no update, state untouched
      Tensor& buf = momentum_buffers_[g][i];
      const bool init = o.momentum != 0 && !buf.defined();
      if (init) buf = detail::state_like(p);
      const kernels::SgdStep s{o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, init};
      detail::update_in_place(p, [&](const Tensor& pc) { kernels::sgd_step(pc, grad, buf, s); });
    }
  }
}

double SGD::lr(size_t group) const {
  detail::check_group(group, groups_.size(), "SGD::lr");
  return groups_[group].options.lr;
}

void SGD::set_lr(double lr, size_t group) {
  detail::check_group(group, groups_.size(), "SGD::set_lr");
  detail::check_non_negative(lr, "lr", "SGD::set_lr");
  groups_[group].options.lr = lr;
}

std::vector<Tensor> SGD::parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

// Keys: group.<g>.params (i64, the group's parameter count), group.<g>.{lr,momentum,dampening,weight_decay}
// (f64), group.<g>.nesterov (i64 0/1), state.<g>.<i>.momentum_buffer once a momentum step has run.
StateDict SGD::state_dict() const {
  StateDict out;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SGDOptions& o = groups_[g].options;
    out[detail::group_key(g, "params")] = detail::scalar_i64(static_cast<int64_t>(groups_[g].params.size()));
    out[detail::group_key(g, "lr")] = detail::scalar_f64(o.lr);
    out[detail::group_key(g, "momentum")] = detail::scalar_f64(o.momentum);
    out[detail::group_key(g, "dampening")] = detail::scalar_f64(o.dampening);
    out[detail::group_key(g, "weight_decay")] = detail::scalar_f64(o.weight_decay);
    out[detail::group_key(g, "nesterov")] = detail::scalar_i64(o.nesterov ? 1 : 0);
    for (size_t i = 0; i < momentum_buffers_[g].size(); ++i)
      if (momentum_buffers_[g][i].defined())
        out[detail::state_key(g, i, "momentum_buffer")] = detail::snapshot(momentum_buffers_[g][i]);
  }
  return out;
}

void SGD::load_state_dict(const StateDict& state) {
  detail::StateReader r(state, "SGD::load_state_dict");
  std::vector<SGDOptions> options(groups_.size());
  std::vector<std::vector<Tensor>> buffers(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    SGDOptions& o = options[g];
    r.expect_group_size(g, groups_[g].params.size());
    o.lr = r.f64(detail::group_key(g, "lr"));
    o.momentum = r.f64(detail::group_key(g, "momentum"));
    o.dampening = r.f64(detail::group_key(g, "dampening"));
    o.weight_decay = r.f64(detail::group_key(g, "weight_decay"));
    o.nesterov = r.flag(detail::group_key(g, "nesterov"));
    validate(o, "SGD::load_state_dict");
    buffers[g].resize(groups_[g].params.size());
    for (size_t i = 0; i < groups_[g].params.size(); ++i) {
      const std::string key = detail::state_key(g, i, "momentum_buffer");
      if (r.has(key)) buffers[g][i] = r.tensor(key, groups_[g].params[i]);
    }
  }
  r.finish();
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = options[g];
  momentum_buffers_ = std::move(buffers);
}

}  // namespace strata::optim
