// Device dispatch for the bf16 capability query.
#include "kernels/bf16.h"

#include <atomic>

#include "kernels/cpu/bf16.h"

namespace strata::kernels {
namespace {

std::atomic<bool> forced_off{false};

}  // namespace

bool bf16_supported(Device device) {
  if (forced_off.load(std::memory_order_relaxed)) return false;
  return device.is_cpu() && cpu::bf16_native();
}

void force_bf16_unsupported(bool force) { forced_off.store(force, std::memory_order_relaxed); }

}  // namespace strata::kernels
