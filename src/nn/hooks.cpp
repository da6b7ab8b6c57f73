#include "strata/nn/hooks.h"

namespace strata::nn {

void HookHandle::remove() {
  if (id_ == 0) return;
  if (auto list = list_.lock()) list->remove(id_);
  id_ = 0;
  list_.reset();
}

HookHandle& HookHandle::operator=(HookHandle&& other) noexcept {
  if (this != &other) {
    remove();
    list_ = std::move(other.list_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

}  // namespace strata::nn
