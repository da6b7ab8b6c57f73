// The optimiser base class and the helpers every optimiser shares (optimizer_util.h).
#include "strata/optim/optimizer.h"

#include <fmt/ranges.h>

#include <cmath>
#include <unordered_set>

#include "optim/optimizer_util.h"

namespace strata::optim {

void Optimizer::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < num_groups(); ++g) set_lr(lr, g);
}

namespace detail {

void check_params(const std::vector<const std::vector<Tensor>*>& groups, const char* name) {
  STRATA_CHECK(!groups.empty(), "{}: got no parameter groups", name);
  std::unordered_set<const TensorImpl*> seen;
  size_t total = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = *groups[g];
    for (size_t i = 0; i < params.size(); ++i) {
      const Tensor& p = params[i];
      STRATA_CHECK(p.defined(), "{}: parameter {} of group {} is an undefined tensor", name, i, g);
      STRATA_CHECK(p.dtype() == kFloat32 || p.dtype() == kFloat64,
                   "{}: parameter {} of group {} has dtype {}; optimisers update f32 and f64 tensors", name,
                   i, g, dtype_name(p.dtype()));
      STRATA_CHECK(p.is_leaf(),
                   "{}: parameter {} of group {} (shape {}) is not a leaf; optimise the leaf it was "
                   "computed from",
                   name, i, g, p.shape().str());
      STRATA_CHECK(seen.insert(p.impl()).second,
                   "{}: parameter {} of group {} (shape {}) appears more than once in the parameter groups",
                   name, i, g, p.shape().str());
      ++total;
    }
  }
  STRATA_CHECK(total > 0, "{}: got an empty parameter list", name);
}

void check_non_negative(double value, const char* option, const char* name) {
  STRATA_CHECK(value >= 0, "{}: invalid {} {} (must be >= 0)", name, option, value);
}

void check_unit_interval(double value, const char* option, const char* name) {
  STRATA_CHECK(value >= 0 && value < 1, "{}: invalid {} {} (must be in [0, 1))", name, option, value);
}

void check_group(size_t group, size_t groups, const char* name) {
  STRATA_CHECK(group < groups, "{}: parameter group {} does not exist (the optimiser has {})", name, group,
               groups);
}

Tensor step_grad(const Tensor& param, const char* name) {
  // A frozen parameter (requires_grad false) is skipped even when it holds a gradient from before it was
  // frozen: no update, no weight decay, no state.
  if (!param.requires_grad()) return Tensor();
  Tensor grad = param.grad();
  if (!grad.defined()) return grad;
  STRATA_CHECK(grad.shape() == param.shape(), "{}: gradient of shape {} for a parameter of shape {}", name,
               grad.shape().str(), param.shape().str());
  STRATA_CHECK(grad.device() == param.device(), "{}: gradient on {} for a parameter on {}", name,
               grad.device().str(), param.device().str());
  NoGradGuard no_grad;
  if (grad.dtype() != param.dtype()) grad = grad.to(param.dtype());
  return grad.is_contiguous() ? grad : grad.contiguous();
}

Tensor state_like(const Tensor& param, double value) {
  return full(param.shape(), value, {.dtype = param.dtype(), .device = param.device()});
}

std::string state_key(size_t group, size_t index, const char* name) {
  return fmt::format("state.{}.{}.{}", group, index, name);
}

std::string group_key(size_t group, const char* option) { return fmt::format("group.{}.{}", group, option); }

Tensor scalar_f64(double value) { return scalar_tensor(value, {.dtype = kFloat64}); }

Tensor scalar_i64(int64_t value) {
  Tensor t = empty({}, {.dtype = kInt64});
  *t.data_ptr<int64_t>() = value;  // exact, whatever the magnitude
  return t;
}

Tensor snapshot(const Tensor& t) {
  NoGradGuard no_grad;
  return t.detach().clone();
}

const Tensor& StateReader::get(const std::string& key) {
  auto it = dict_.find(key);
  STRATA_CHECK(it != dict_.end(),
               "{}: missing key '{}' (was the state dict saved by another optimiser or for "
               "other parameters?)",
               who_, key);
  STRATA_CHECK(it->second.defined(), "{}: entry '{}' is an undefined tensor", who_, key);
  used_.insert(key);
  return it->second;
}

bool StateReader::has_any(size_t group, size_t index, std::initializer_list<const char*> names) const {
  for (const char* name : names)
    if (has(state_key(group, index, name))) return true;
  return false;
}

double StateReader::f64(const std::string& key) {
  const Tensor& t = get(key);
  STRATA_CHECK(t.numel() == 1, "{}: entry '{}' has shape {}; expected one value", who_, key, t.shape().str());
  return t.item();
}

int64_t StateReader::i64(const std::string& key) {
  const Tensor& t = get(key);
  STRATA_CHECK(t.numel() == 1, "{}: entry '{}' has shape {}; expected one value", who_, key, t.shape().str());
  if (t.dtype() == kInt64) return t.contiguous().data_ptr<int64_t>()[0];
  const double v = t.item();
  STRATA_CHECK(std::isfinite(v) && v == std::floor(v), "{}: entry '{}' holds {}; expected an integer", who_,
               key, v);
  return static_cast<int64_t>(v);
}

Tensor StateReader::tensor(const std::string& key, const Tensor& like) {
  const Tensor& t = get(key);
  STRATA_CHECK(t.shape() == like.shape(), "{}: entry '{}' has shape {}; expected shape {}", who_, key,
               t.shape().str(), like.shape().str());
  NoGradGuard no_grad;
  Tensor out = state_like(like);
  out.copy_(t.detach());  // converts dtype, keeps the state contiguous and unshared
  return out;
}

void StateReader::expect_group_size(size_t group, size_t size) {
  const int64_t saved = i64(group_key(group, "params"));
  STRATA_CHECK(saved == static_cast<int64_t>(size),
               "{}: parameter group {} had {} parameter(s) when saved, but has {} here", who_, group, saved,
               size);
}

void StateReader::finish() const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : dict_)
    if (!used_.count(key)) unknown.push_back(key);
  if (unknown.empty()) return;
  if (unknown.size() > 5) {
    const size_t more = unknown.size() - 5;
    unknown.resize(5);
    unknown.push_back(fmt::format("... ({} more)", more));
  }
  STRATA_FAIL(
      "{}: unexpected key(s) {} (was the state dict saved by another optimiser or for other parameters?)",
      who_, fmt::join(unknown, ", "));
}

}  // namespace detail
}  // namespace strata::optim
