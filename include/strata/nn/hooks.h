#pragma once
// Hooks: callbacks a module runs around its forward, as in PyTorch (register_forward_hook,
// register_forward_pre_hook). Registering returns a HookHandle that unregisters the hook on remove() or
// when it is destroyed (RAII), so a hook lives exactly as long as its handle.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::nn {

class Module;

// Runs after forward with the module, its inputs and its output; a returned tensor replaces the output.
using ForwardHook = std::function<std::optional<Tensor>(Module& module, const std::vector<Tensor>& inputs,
                                                        const Tensor& output)>;
// Runs before forward with the module and its inputs; returned tensors (as many) replace the inputs.
using ForwardPreHook =
    std::function<std::optional<std::vector<Tensor>>(Module& module, const std::vector<Tensor>& inputs)>;

namespace detail {

// Removes the entry `id` from a hook list; what a HookHandle holds on to.
class HookRemover {
 public:
  virtual ~HookRemover() = default;
  virtual void remove(uint64_t id) = 0;
};

}  // namespace detail

// Owns one registered hook: remove() (or the destructor) unregisters it. Movable, not copyable; removing
// after the module is gone, or twice, does nothing.
class [[nodiscard]] HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<detail::HookRemover> list, uint64_t id) : list_(std::move(list)), id_(id) {}
  HookHandle(HookHandle&& other) noexcept : list_(std::move(other.list_)), id_(other.id_) { other.id_ = 0; }
  HookHandle& operator=(HookHandle&& other) noexcept;
  HookHandle(const HookHandle&) = delete;
  HookHandle& operator=(const HookHandle&) = delete;
  ~HookHandle() { remove(); }

  // Unregisters the hook (once).
  void remove();
  // True while the hook is registered through this handle.
  bool active() const { return id_ != 0 && !list_.expired(); }

 private:
  std::weak_ptr<detail::HookRemover> list_;
  uint64_t id_ = 0;
};

// Hooks of one kind in registration order. Owners keep it in a shared_ptr so handles can outlive them.
template <typename Fn>
class HookList : public detail::HookRemover, public std::enable_shared_from_this<HookList<Fn>> {
 public:
  // Appends `fn` and returns the handle that removes it.
  HookHandle add(Fn fn) {
    entries_.emplace_back(++next_id_, std::move(fn));
    return HookHandle(this->weak_from_this(), next_id_);
  }
  void remove(uint64_t id) override {
    std::erase_if(entries_, [id](const auto& e) { return e.first == id; });
  }
  bool empty() const { return entries_.empty(); }
  // The hooks in registration order (a copy, so a hook may remove itself while they run).
  std::vector<Fn> snapshot() const {
    std::vector<Fn> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(e.second);
    return out;
  }

 private:
  std::vector<std::pair<uint64_t, Fn>> entries_;
  uint64_t next_id_ = 0;
};

// Adds `fn` to `*list`, creating the list on first use.
template <typename Fn>
HookHandle add_hook(std::shared_ptr<HookList<Fn>>& list, Fn fn) {
  if (!list) list = std::make_shared<HookList<Fn>>();
  return list->add(std::move(fn));
}

}  // namespace strata::nn
