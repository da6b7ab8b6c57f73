#include "strata/ops/dropout.h"

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/view.h"

namespace strata::ops {

Tensor dropout(const Tensor& x, double p, bool training, Generator* generator) {
  STRATA_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got {}", p);
  if (!training || p == 0.0) return x;
  if (p == 1.0) return mul(x, 0.0);
  // Keep-mask scaled by 1 / (1 - p): one multiply in the forward, and the same mask in the backward.
  const Tensor keep = lt(rand(x.shape(), {.dtype = x.dtype(), .device = x.device()}, generator), 1.0 - p);
  const Tensor scale = mul(to_dtype(keep, x.dtype()), 1.0 / (1.0 - p));
  return mul(x, scale);
}

}  // namespace strata::ops
