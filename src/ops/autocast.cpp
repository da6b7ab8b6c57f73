#include "ops/autocast.h"

#include <cstdio>
#include <mutex>

#include "kernels/bf16.h"

namespace strata::ops {

Dtype autocast_compute_dtype(const Tensor& x) {
  const AutocastMode mode = autocast_mode();
  if (!mode.enabled || x.dtype() != kFloat32) return x.dtype();
  if (kernels::bf16_supported(x.device())) return mode.dtype;
  static std::once_flag notice;
  std::call_once(notice, [&] {
    std::fprintf(stderr,
                 "strata: autocast(%s): %s has no native bf16 arithmetic (avx512_bf16 or AMX); matrix "
                 "products and convolutions run in f32\n",
                 std::string(dtype_name(mode.dtype)).c_str(), x.device().str().c_str());
  });
  return x.dtype();
}

}  // namespace strata::ops
