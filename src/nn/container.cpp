#include "strata/nn/container.h"

#include "strata/nn/activation.h"
#include "strata/nn/normalization.h"

namespace strata::nn {

SequentialImpl::SequentialImpl(std::vector<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (auto& m : modules) push_back(std::move(m));
}

void SequentialImpl::push_back(std::shared_ptr<Module> module) {
  push_back(std::to_string(size()), std::move(module));
}

void SequentialImpl::push_back(const std::string& name, std::shared_ptr<Module> module) {
  add_child(name, std::move(module));
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  const auto& children = named_children();
  // An observer (nn::summary) sees every layer, so it turns the fusion off.
  const bool fuse = forward_observer() == nullptr;
  for (size_t i = 0; i < children.size(); ++i) {
    // A batch norm followed by a ReLU runs as one fused kernel (saves a pass over the activation each way).
    auto* bn = dynamic_cast<BatchNormImpl*>(children[i].second.get());
    // A hook on either layer must see its own call, so hooked layers run unfused.
    if (fuse && bn && i + 1 < children.size() && dynamic_cast<ReLUImpl*>(children[i + 1].second.get()) &&
        !bn->has_hooks() && !children[i + 1].second->has_hooks()) {
      x = bn->forward_relu(x);
      ++i;
      continue;
    }
    x = (*children[i].second)(x);
  }
  return x;
}

std::shared_ptr<Module> SequentialImpl::operator[](size_t index) const {
  STRATA_CHECK(index < size(), "Sequential: index {} is out of range for {} modules", index, size());
  return named_children()[index].second;
}

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  add_child(std::to_string(size()), std::move(module));
}

std::shared_ptr<Module> ModuleListImpl::operator[](size_t index) const {
  STRATA_CHECK(index < size(), "ModuleList: index {} is out of range for {} modules", index, size());
  return named_children()[index].second;
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  add_child(key, std::move(module));
}

bool ModuleDictImpl::contains(const std::string& key) const {
  for (const auto& [n, m] : named_children()) {
    if (n == key) return true;
  }
  return false;
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  for (const auto& [n, m] : named_children()) {
    if (n == key) return m;
  }
  STRATA_FAIL("ModuleDict: no module named '{}'", key);
}

}  // namespace strata::nn
