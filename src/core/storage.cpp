#include "strata/core/storage.h"

#include "strata/core/allocator.h"
#include "strata/core/error.h"

namespace strata {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device), from_allocator_(true) {
  STRATA_CHECK(device.is_cpu(), "cannot allocate on {}: strata was built without CUDA", device.str());
  data_ = cpu_allocator::allocate(nbytes);
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (from_allocator_) {
    cpu_allocator::deallocate(data_, nbytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace strata
