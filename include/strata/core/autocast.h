#pragma once
// Mixed precision, as PyTorch's CPU autocast. Inside an autocast(kBFloat16) scope, matmul, mm, bmm, linear
// and the convolutions on f32 tensors compute in bf16 (inputs and weights rounded to bf16, products
// accumulated in f32) and return f32, so every other op, the master weights and the optimiser stay f32.
// Their backward runs in the mode of the forward, even after the scope has closed. Where the CPU has no
// native bf16 (avx512_bf16 or AMX) the ops stay f32 and say so once on stderr. The mode is thread-local.
//
//   {
//     auto guard = strata::autocast(kBFloat16);
//     loss = F::cross_entropy(net(x), y);
//   }
//   loss.backward();  // in bf16 as well
#include "strata/core/dtype.h"

namespace strata {

// The autocast state of a thread: whether it is on, and the dtype products compute in.
struct AutocastMode {
  bool enabled = false;
  Dtype dtype = kBFloat16;
};

// This thread's autocast state.
AutocastMode autocast_mode();
// True inside an enabled autocast scope.
bool autocast_enabled();
// The dtype autocast computes in (kBFloat16).
Dtype autocast_dtype();

// Sets the autocast state for its scope and restores the previous one on exit (scopes nest).
class AutocastGuard {
 public:
  // Throws strata::Error for a dtype autocast cannot compute in (only kBFloat16 is).
  explicit AutocastGuard(Dtype dtype = kBFloat16, bool enabled = true);
  explicit AutocastGuard(AutocastMode mode);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  AutocastMode previous_;
};

// A guard for `auto guard = strata::autocast(kBFloat16);` (enabled = false turns autocast off inside).
[[nodiscard]] inline AutocastGuard autocast(Dtype dtype = kBFloat16, bool enabled = true) {
  return AutocastGuard(dtype, enabled);
}

}  // namespace strata
