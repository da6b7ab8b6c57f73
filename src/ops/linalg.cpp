// Matrix products. One differentiable primitive (batched matmul of >= 2-D operands, batch dims
// broadcast) carries the backward rule; the 1-D promotions of matmul are differentiable views around it.
// linear is its own primitive so the bias add fuses into the product. Under autocast both compute in
// bf16 (ops/autocast.h), and their backward runs in the autocast mode of the forward.
#include "strata/ops/linalg.h"

#include "kernels/linalg.h"
#include "ops/autocast.h"
#include "strata/autograd/node.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

// Checks what every product needs: defined operands on one device with one supported dtype.
void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  STRATA_CHECK(a.defined() && b.defined(), "{}: undefined tensor argument", op);
  STRATA_CHECK(a.device() == b.device(), "{}: tensors are on different devices ({} and {})", op,
               a.device().str(), b.device().str());
  STRATA_CHECK(a.dtype() == b.dtype(), "{}: expected both operands to have the same dtype, got {} and {}", op,
               dtype_name(a.dtype()), dtype_name(b.dtype()));
  STRATA_CHECK(a.dtype() == kFloat32 || a.dtype() == kFloat64,
               "{}: dtype {} is not supported (matrix products need f32 or f64)", op, dtype_name(a.dtype()));
}

void check_inner(const Tensor& a, const Tensor& b, int64_t ka, int64_t kb, const char* op) {
  STRATA_CHECK(ka == kb, "{}: shapes {} and {} cannot be multiplied ({} != {})", op, a.shape().str(),
               b.shape().str(), ka, kb);
}

// Batch dims (all but the last two) of a and b broadcast against each other.
void check_batch(const Tensor& a, const Tensor& b, const char* op) {
  const int64_t na = a.dim() - 2;
  const int64_t nb = b.dim() - 2;
  const int64_t n = std::max(na, nb);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t da = i < n - na ? 1 : a.shape()[i - (n - na)];
    const int64_t db = i < n - nb ? 1 : b.shape()[i - (n - nb)];
    STRATA_CHECK(da == db || da == 1 || db == 1,
                 "{}: batch dimensions of shapes {} and {} are not broadcastable ({} vs {})", op,
                 a.shape().str(), b.shape().str(), da, db);
  }
}

// Product of all dims but the last.
int64_t leading(const Tensor& x) {
  int64_t n = 1;
  for (int64_t d = 0; d + 1 < x.dim(); ++d) n *= x.shape()[d];
  return n;
}

// a @ b for a, b of rank >= 2 (checked), batch dims broadcast.
Tensor batched(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::matmul(a, b, Tensor(), autocast_compute_dtype(a));
  return record("matmul", out, {a, b}, [a, b, mode = autocast_mode()](const Tensor& g) {
    const AutocastGuard same_precision(mode);
    Tensor ga;
    Tensor gb;
    if (a.requires_grad()) ga = sum_to(batched(g, transpose(b, -1, -2)), a.shape());
    if (b.requires_grad()) {
      if (b.dim() == 2 && a.dim() > 2) {
        // b is shared by every batch: one product over all rows instead of a per-batch sum.
        const Tensor a2 = reshape(a, {leading(a), a.shape().back()});
        const Tensor g2 = reshape(g, {leading(g), g.shape().back()});
        gb = batched(transpose(a2, 0, 1), g2);
      } else {
        gb = sum_to(batched(transpose(a, -1, -2), g), b.shape());
      }
    }
    return Grads{ga, gb};
  });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "matmul");
  STRATA_CHECK(a.dim() >= 1 && b.dim() >= 1,
               "matmul: both arguments need at least 1 dimension, got shapes {} and {}", a.shape().str(),
               b.shape().str());
  const int64_t kb = b.dim() == 1 ? b.shape()[0] : b.size(-2);
  check_inner(a, b, a.size(-1), kb, "matmul");
  if (a.dim() == 1 && b.dim() == 1) return reshape(batched(unsqueeze(a, 0), unsqueeze(b, 1)), Shape{});
  if (a.dim() == 1) return squeeze(batched(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(batched(a, unsqueeze(b, 1)), -1);
  check_batch(a, b, "matmul");
  return batched(a, b);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "mm");
  STRATA_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got shapes {} and {}",
               a.shape().str(), b.shape().str());
  check_inner(a, b, a.shape()[1], b.shape()[0], "mm");
  return batched(a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "bmm");
  STRATA_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got shapes {} and {}",
               a.shape().str(), b.shape().str());
  STRATA_CHECK(a.shape()[0] == b.shape()[0], "bmm: batch sizes differ in shapes {} and {} ({} != {})",
               a.shape().str(), b.shape().str(), a.shape()[0], b.shape()[0]);
  check_inner(a, b, a.shape()[2], b.shape()[1], "bmm");
  return batched(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_operands(x, weight, "linear");
  STRATA_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got shape {}", weight.shape().str());
  STRATA_CHECK(x.dim() >= 1, "linear: input must have at least 1 dimension, got shape {}", x.shape().str());
  STRATA_CHECK(x.size(-1) == weight.shape()[1],
               "linear: input of shape {} does not match weight of shape {} ({} != {} input features)",
               x.shape().str(), weight.shape().str(), x.size(-1), weight.shape()[1]);
  const int64_t out_features = weight.shape()[0];
  if (bias.defined()) {
    STRATA_CHECK(bias.device() == x.device() && bias.dtype() == x.dtype(),
                 "linear: bias ({} on {}) must match the input ({} on {})", dtype_name(bias.dtype()),
                 bias.device().str(), dtype_name(x.dtype()), x.device().str());
    STRATA_CHECK(bias.dim() == 1 && bias.shape()[0] == out_features,
                 "linear: bias of shape {} does not match weight of shape {} (expected [{}])",
                 bias.shape().str(), weight.shape().str(), out_features);
  }
  // weight^T as a strided view: the kernel reads it in place. A 1-D input is one row.
  const Tensor wt(make_intrusive<TensorImpl>(weight.impl()->storage, Shape{weight.shape()[1], out_features},
                                             Strides{weight.strides()[1], weight.strides()[0]},
                                             weight.offset(), weight.dtype()));
  const Tensor x2 =
      x.dim() == 1 ? Tensor(make_intrusive<TensorImpl>(x.impl()->storage, Shape{1, x.shape()[0]},
                                                       Strides{x.shape()[0] * x.strides()[0], x.strides()[0]},
                                                       x.offset(), x.dtype()))
                   : x;
  Tensor out = kernels::matmul(x2, wt, bias, autocast_compute_dtype(x));
  if (x.dim() == 1)
    out = Tensor(
        make_intrusive<TensorImpl>(out.impl()->storage, Shape{out_features}, Strides{1}, 0, out.dtype()));
  return record("linear", out, {x, weight, bias},
                [x, weight, bias_grad = bias.defined() && bias.requires_grad(),
                 mode = autocast_mode()](const Tensor& g) {
                  const AutocastGuard same_precision(mode);
                  Tensor gx;
                  Tensor gw;
                  Tensor gb;
                  if (x.requires_grad()) gx = matmul(g, weight);
                  if (weight.requires_grad()) {
                    const int64_t in = x.shape().back();
                    const int64_t out_f = g.shape().back();
                    const Tensor g2 = reshape(g, {leading(g), out_f});
                    const Tensor x2d = reshape(x, {leading(x), in});
                    gw = batched(transpose(g2, 0, 1), x2d);
                  }
                  if (bias_grad) gb = sum_to(g, Shape{g.shape().back()});
                  return Grads{gx, gw, gb};
                });
}

}  // namespace strata::ops

namespace strata {
Tensor Tensor::matmul(const Tensor& other) const { return ops::matmul(*this, other); }
}  // namespace strata
