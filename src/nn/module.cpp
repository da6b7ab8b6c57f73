#include "strata/nn/module.h"

#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

thread_local ForwardObserver* tl_observer = nullptr;

}  // namespace

ForwardObserver* forward_observer() { return tl_observer; }

ObserveForwards::ObserveForwards(ForwardObserver* observer) : previous_(tl_observer) { tl_observer = observer; }
ObserveForwards::~ObserveForwards() { tl_observer = previous_; }

void notify_forward(const Module& module, const std::vector<Tensor>& inputs, const Tensor& output) {
  if (!tl_observer) return;
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  tl_observer->on_forward(module, shapes, output);
}

Tensor Module::operator()(const Tensor& input) {
  if (!tl_observer) return forward(input);
  Tensor out = forward(input);
  tl_observer->on_forward(*this, {input.shape()}, out);
  return out;
}


Tensor Module::forward(const Tensor&) {
  STRATA_FAIL("{}: this module has no single-input forward", type_name_);
}

namespace {

void check_name(const std::string& name, const std::string& owner) {
  STRATA_CHECK(!name.empty() && name.find('.') == std::string::npos,
               "{}: invalid name '{}' (must be non-empty and contain no '.')", owner, name);
}

template <typename List>
bool has_name(const List& list, const std::string& name) {
  for (const auto& [n, v] : list) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, type_name_);
  STRATA_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
               "{}: '{}' is already registered", type_name_, name);
  if (value.defined()) {
    value = value.is_leaf() ? value : value.detach();
    value.requires_grad_(requires_grad);
  }
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, type_name_);
  STRATA_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
               "{}: '{}' is already registered", type_name_, name);
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, type_name_);
  STRATA_CHECK(module != nullptr, "{}: child '{}' is null", type_name_, name);
  STRATA_CHECK(!has_name(parameters_, name) && !has_name(buffers_, name) && !has_name(children_, name),
               "{}: '{}' is already registered", type_name_, name);
  children_.emplace_back(name, std::move(module));
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::set<TensorImpl*> seen;  // a parameter shared by two layers is listed once
  for (const auto& [n, t] : parameters_) {
    if (t.defined() && seen.insert(t.impl()).second) out.emplace_back(n, t);
  }
  if (recurse) {
    for (const auto& [cn, child] : children_) {
      for (auto& [n, t] : child->named_parameters(true)) {
        if (seen.insert(t.impl()).second) out.emplace_back(cn + "." + n, t);
      }
    }
  }
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [n, t] : buffers_) {
    if (t.defined()) out.emplace_back(n, t);
  }
  if (recurse) {
    for (const auto& [cn, child] : children_) {
      for (auto& [n, t] : child->named_buffers(true)) out.emplace_back(cn + "." + n, t);
    }
  }
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [n, c] : children_) out.push_back(c);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  for (const auto& [cn, child] : children_) {
    out.emplace_back(cn, child);
    for (auto& [n, m] : child->named_modules()) out.emplace_back(cn + "." + n, m);
  }
  return out;
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [n, t] : named_parameters(true)) out[n] = t;
  for (auto& [n, t] : named_buffers(true)) out[n] = t;
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  const StateDict own = state_dict();
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [n, t] : own) {
    auto it = state.find(n);
    if (it == state.end()) {
      missing.push_back(n);
    } else if (it->second.shape() != t.shape()) {
      mismatched.push_back(fmt::format("{} (checkpoint {}, model {})", n, it->second.shape().str(), t.shape().str()));
    }
  }
  for (const auto& [n, t] : state) {
    if (!own.count(n)) unexpected.push_back(n);
  }
  if (strict && (!missing.empty() || !unexpected.empty() || !mismatched.empty())) {
    std::string msg = fmt::format("load_state_dict: the state does not match {}", type_name_);
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
      return s;
    };
    if (!missing.empty()) msg += "; missing: " + list(missing);
    if (!unexpected.empty()) msg += "; unexpected: " + list(unexpected);
    if (!mismatched.empty()) msg += "; mis-shaped: " + list(mismatched);
    throw Error(msg);
  }
  NoGradGuard no_grad;
  for (const auto& [n, t] : own) {
    auto it = state.find(n);
    if (it == state.end() || it->second.shape() != t.shape()) continue;
    Tensor dst = t;
    dst.copy_(it->second);
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) {
    if (!trainable_only || p.requires_grad()) n += p.numel();
  }
  return n;
}

void Module::to(Dtype dtype) {
  NoGradGuard no_grad;
  auto convert = [dtype](const Tensor& t) {
    if (!t.defined() || !t.is_floating_point() || t.dtype() == dtype) return;
    // Swap the storage under the existing TensorImpl so every handle sees the converted values.
    const Tensor c = t.to(dtype).contiguous();
    TensorImpl* impl = t.impl();
    impl->storage = c.impl()->storage;
    impl->strides = c.strides();
    impl->offset = c.offset();
    impl->dtype = dtype;
    impl->grad.reset();
  };
  for (const Tensor& p : parameters()) convert(p);
  for (const Tensor& b : buffers()) convert(b);
}

void Module::pretty_print(std::ostream& os, int indent) const {
  os << type_name_ << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [n, c] : children_) {
      os << std::string(indent + 2, ' ') << "(" << n << "): ";
      c->pretty_print(os, indent + 2);
      os << "\n";
    }
    os << std::string(indent, ' ');
  }
  os << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  module.pretty_print(os);
  return os;
}

}  // namespace strata::nn
