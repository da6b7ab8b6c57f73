#pragma once
// Storage: a refcounted buffer of bytes on one device, shared by all tensors that view it.
#include <atomic>
#include <cstddef>
#include <functional>

#include "strata/core/device.h"
#include "strata/core/intrusive_ptr.h"

namespace strata {

class Storage : public RefCounted {
 public:
  // Allocates `nbytes` on `device` from the caching allocator.
  Storage(size_t nbytes, Device device);
  // Wraps memory owned elsewhere; `deleter` (may be empty) runs when the last tensor lets go.
  Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~Storage() override;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // Bumped by every in-place write, so autograd can tell when a saved tensor changed.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  bool from_allocator_ = false;
  std::function<void(void*)> deleter_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace strata
