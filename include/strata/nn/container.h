#pragma once
// Containers: Sequential chains single-input modules; ModuleList and ModuleDict hold modules for
// hand-written forwards.
#include <initializer_list>

#include "strata/nn/module.h"

namespace strata::nn {

class SequentialImpl : public Module {
 public:
  SequentialImpl() : Module("Sequential") {}
  explicit SequentialImpl(std::vector<std::shared_ptr<Module>> modules);
  // Appends a module (named by its position, "0", "1", ...).
  void push_back(std::shared_ptr<Module> module);
  // Appends a module under a custom name.
  void push_back(const std::string& name, std::shared_ptr<Module> module);
  Tensor forward(const Tensor& input) override;
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> operator[](size_t index) const;
};

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Sequential() : ModuleHolder(std::make_shared<SequentialImpl>()) {}
  // nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2)); accepts holders and shared_ptrs.
  template <typename... M>
    requires(sizeof...(M) > 0 && (std::is_convertible_v<M, std::shared_ptr<Module>> && ...) &&
             !(sizeof...(M) == 1 && (std::is_same_v<std::decay_t<M>, Sequential> && ...)))
  explicit Sequential(M&&... modules)
      : ModuleHolder(std::make_shared<SequentialImpl>(
            std::vector<std::shared_ptr<Module>>{std::shared_ptr<Module>(std::forward<M>(modules))...})) {}
};

class ModuleListImpl : public Module {
 public:
  ModuleListImpl() : Module("ModuleList") {}
  void push_back(std::shared_ptr<Module> module);
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> operator[](size_t index) const;
};
STRATA_MODULE_HOLDER(ModuleList);

class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  void insert(const std::string& key, std::shared_ptr<Module> module);
  bool contains(const std::string& key) const;
  // Throws naming the key when absent.
  std::shared_ptr<Module> operator[](const std::string& key) const;
  size_t size() const { return named_children().size(); }
};
STRATA_MODULE_HOLDER(ModuleDict);

}  // namespace strata::nn
