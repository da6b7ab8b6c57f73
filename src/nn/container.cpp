#include "strata/nn/container.h"

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
  for (const auto& [name, module] : named_children()) x = module->forward(x);
  return x;
}

std::shared_ptr<Module> SequentialImpl::operator[](size_t index) const {
  STRATA_CHECK(index < size(), "Sequential: index {} is out of range for {} modules", index, size());
  return named_children()[index].second;
}

void ModuleListImpl::push_back(std::shared_ptr<Module> module) { add_child(std::to_string(size()), std::move(module)); }

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
