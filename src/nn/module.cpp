#include "strata/nn/module.h"

#include <fmt/ranges.h>

#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include "strata/autograd/grad_mode.h"
#include "strata/core/glob.h"
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
  // The common case (no observer, no hook, or only removed ones) costs one branch.
  if (!tl_observer && !has_hooks()) [[likely]]
    return forward(input);
  return call_hooked({input}, [this](const std::vector<Tensor>& in) { return forward(in[0]); });
}

Tensor Module::call_hooked(std::vector<Tensor> inputs,
                           const std::function<Tensor(const std::vector<Tensor>&)>& forward) {
  if (forward_pre_hooks_) {
    for (const auto& hook : forward_pre_hooks_->snapshot()) {
      if (auto replaced = hook(*this, inputs)) {
        STRATA_CHECK(replaced->size() == inputs.size(),
                     "{}: a forward pre-hook returned {} inputs for a forward of {}", type_name_,
                     replaced->size(), inputs.size());
        inputs = std::move(*replaced);
      }
    }
  }
  Tensor out = forward(inputs);
  if (tl_observer) notify_forward(*this, inputs, out);
  if (forward_hooks_) {
    for (const auto& hook : forward_hooks_->snapshot()) {
      if (auto replaced = hook(*this, inputs, out)) out = std::move(*replaced);
    }
  }
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

std::string LoadReport::str() const {
  std::vector<std::string> parts;
  if (!missing.empty()) parts.push_back(fmt::format("missing: {}", fmt::join(missing, ", ")));
  if (!unexpected.empty()) parts.push_back(fmt::format("unexpected: {}", fmt::join(unexpected, ", ")));
  if (!mismatched.empty()) {
    std::vector<std::string> items;
    for (const auto& m : mismatched)
      items.push_back(fmt::format("{} (checkpoint {}, model {})", m.name, m.checkpoint.str(), m.model.str()));
    parts.push_back(fmt::format("mis-shaped: {}", fmt::join(items, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

LoadReport Module::load_state_dict(const StateDict& state, bool strict) {
  const StateDict own = state_dict();
  LoadReport report;
  for (const auto& [n, t] : own) {
    auto it = state.find(n);
    if (it == state.end()) {
      report.missing.push_back(n);
    } else if (it->second.shape() != t.shape()) {
      report.mismatched.push_back({n, it->second.shape(), t.shape()});
    } else {
      report.loaded.push_back(n);
    }
  }
  for (const auto& [n, t] : state) {
    if (!own.count(n)) report.unexpected.push_back(n);
  }
  if (strict && !report.ok())
    STRATA_FAIL("load_state_dict: the state does not match {}; {}", type_name_, report.str());
  NoGradGuard no_grad;
  for (const std::string& n : report.loaded) {
    Tensor dst = own.at(n);
    dst.copy_(state.at(n));
  }
  return report;
}

namespace {

// "a, b, c, ... (12 more)": names for an error message, at most `limit` of them.
std::string name_list(const std::vector<std::string>& names, size_t limit = 8) {
  if (names.empty()) return "none";
  if (names.size() <= limit) return fmt::format("{}", fmt::join(names, ", "));
  const std::vector<std::string> head(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(limit));
  return fmt::format("{}, ... ({} more)", fmt::join(head, ", "), names.size() - limit);
}

}  // namespace

std::vector<std::string> Module::parameter_names(const std::string& pattern) const {
  std::vector<std::string> out;
  for (const auto& [n, t] : named_parameters(true)) {
    if (glob_match(pattern, n)) out.push_back(n);
  }
  return out;
}

namespace {

int64_t set_trainable(const Module& module, const std::string& pattern, bool on, const char* who) {
  int64_t matched = 0;
  std::vector<std::string> all;
  for (auto& [n, t] : module.named_parameters(true)) {
    all.push_back(n);
    if (!glob_match(pattern, n)) continue;
    ++matched;
    Tensor p = t;
    p.requires_grad_(on);
    if (!on) p.zero_grad();  // a stale gradient must not move a frozen parameter
  }
  STRATA_CHECK(matched > 0, "{}: pattern '{}' matches no parameter of {} (its parameters: {})", who, pattern,
               module.type_name(), name_list(all));
  return matched;
}

}  // namespace

int64_t Module::freeze(const std::string& pattern) { return set_trainable(*this, pattern, false, "freeze"); }

int64_t Module::unfreeze(const std::string& pattern) { return set_trainable(*this, pattern, true, "unfreeze"); }

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  for (auto& [n, c] : children_) {
    if (n == name) {
      c = std::move(module);
      return;
    }
  }
  STRATA_FAIL("{}: no child named '{}'", type_name_, name);
}

std::shared_ptr<Module> Module::replace(const std::string& name, std::shared_ptr<Module> module) {
  STRATA_CHECK(module != nullptr, "replace: the module to put at '{}' is null", name);
  STRATA_CHECK(!name.empty(), "replace: empty path (name the child to replace, e.g. 'fc' or 'classifier.1')");
  Module* parent = this;
  std::string path;  // the part of `name` walked so far
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::shared_ptr<Module> child;
    std::vector<std::string> names;
    for (const auto& [n, c] : parent->children_) {
      names.push_back(n);
      if (n == part) child = c;
    }
    if (!child) {
      const std::string holder =
          path.empty() ? "the root " + parent->type_name() : fmt::format("'{}' ({})", path, parent->type_name());
      STRATA_FAIL("replace: no module '{}' in {}; {} has children: {}", path.empty() ? part : path + "." + part,
                  type_name_, holder, name_list(names, 16));
    }
    if (dot == std::string::npos) {
      parent->replace_child(part, module);
      return child;
    }
    path = path.empty() ? part : path + "." + part;
    parent = child.get();
    start = dot + 1;
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
