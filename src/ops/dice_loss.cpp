// The Dice loss is a composite of softmax, products and sums, so autograd differentiates it through those
// ops and it needs no backward rule of its own. The one-hot target is a constant.
#include "strata/ops/dice_loss.h"

#include "strata/core/error.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/softmax.h"
#include "strata/ops/view.h"

namespace strata::ops {

Tensor dice_loss(const Tensor& input, const Tensor& target, double smooth) {
  STRATA_CHECK(input.defined() && target.defined(), "dice_loss: input and target are required");
  STRATA_CHECK(input.dim() >= 2 && is_floating(input.dtype()),
               "dice_loss: input must be floating logits [N, C, d...], got {} {}", input.shape().str(),
               dtype_name(input.dtype()));
  STRATA_CHECK(target.dtype() == kInt64 && target.dim() == input.dim() - 1 && target.size(0) == input.size(0),
               "dice_loss: target must be i64 class indices [N, d...] for input {}, got {} {}",
               input.shape().str(), target.shape().str(), dtype_name(target.dtype()));
  for (int64_t d = 1; d < target.dim(); ++d) {
    STRATA_CHECK(target.size(d) == input.size(d + 1), "dice_loss: target {} does not match input {}",
                 target.shape().str(), input.shape().str());
  }
  STRATA_CHECK(smooth >= 0, "dice_loss: smooth must be >= 0, got {}", smooth);
  const int64_t c = input.size(1);
  const Tensor labels = target.to(kCPU);
  for (int64_t v : labels.contiguous().to_vector<int64_t>())
    STRATA_CHECK(v >= 0 && v < c, "dice_loss: target holds label {}, outside [0, {}) for input {}", v, c,
                 input.shape().str());
  // one_hot gives [N, d..., C]; move C to dim 1 as in the input.
  Shape order{0, input.dim() - 1};
  for (int64_t d = 1; d < input.dim() - 1; ++d) order.push_back(d);
  const Tensor onehot = permute(one_hot(target, c), order).to(input.dtype());
  Shape dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  const Tensor p = softmax(input, 1);
  const Tensor intersection = sum(mul(p, onehot), dims);
  const Tensor cardinality = add(sum(p, dims), sum(onehot, dims));
  const Tensor dice = div(add(mul(intersection, 2.0), smooth), add(cardinality, smooth));
  return rsub(mean(dice), 1.0);
}

}  // namespace strata::ops
