// Softmax and log-softmax: a fused, numerically stable kernel forward; backward rules written with ops
// from the saved output (the input is not kept alive).
#include "strata/ops/softmax.h"

#include <memory>

#include "autograd/saved_output.h"
#include "kernels/softmax.h"
#include "strata/autograd/node.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

int64_t check_softmax_input(const Tensor& x, int64_t dim, const char* op) {
  STRATA_CHECK(x.defined(), "{}: undefined tensor argument", op);
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating point tensor, got {} of shape {}", op,
               dtype_name(x.dtype()), x.shape().str());
  return wrap_dim(dim, x.dim(), op);
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  const int64_t d = check_softmax_input(x, dim, "softmax");
  Tensor out = kernels::softmax(x, d, false);
  auto saved = std::make_shared<autograd::SavedOutput>(out);
  Tensor result = record("softmax", out, {x}, [d, saved](const Tensor& g) {
    // dx = y * (g - sum(g * y))
    const Tensor y = saved->get();
    return Grads{mul(y, sub(g, sum(mul(g, y), {d}, true)))};
  });
  saved->bind(result);
  return result;
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  const int64_t d = check_softmax_input(x, dim, "log_softmax");
  Tensor out = kernels::softmax(x, d, true);
  auto saved = std::make_shared<autograd::SavedOutput>(out);
  Tensor result = record("log_softmax", out, {x}, [d, saved](const Tensor& g) {
    // dx = g - exp(y) * sum(g)
    const Tensor y = saved->get();
    return Grads{sub(g, mul(exp(y), sum(g, {d}, true)))};
  });
  saved->bind(result);
  return result;
}

}  // namespace strata::ops

namespace strata {
Tensor Tensor::softmax(int64_t dim) const { return ops::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return ops::log_softmax(*this, dim); }
}  // namespace strata
