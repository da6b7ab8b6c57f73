#include "strata/core/autocast.h"

#include "strata/core/error.h"

namespace strata {
namespace {

thread_local AutocastMode current;

AutocastMode checked(AutocastMode mode) {
  STRATA_CHECK(mode.dtype == kBFloat16, "autocast: dtype {} is not supported (autocast computes in bf16)",
               dtype_name(mode.dtype));
  return mode;
}

}  // namespace

AutocastMode autocast_mode() { return current; }
bool autocast_enabled() { return current.enabled; }
Dtype autocast_dtype() { return current.dtype; }

AutocastGuard::AutocastGuard(Dtype dtype, bool enabled) : AutocastGuard(AutocastMode{enabled, dtype}) {}

AutocastGuard::AutocastGuard(AutocastMode mode) : previous_(current) { current = checked(mode); }

AutocastGuard::~AutocastGuard() { current = previous_; }

}  // namespace strata
