#pragma once
// The soft Dice loss of semantic segmentation (Milletari et al., 2016), multi-class form:
//   p = softmax(input, 1), t = one_hot(target) in the layout of input,
//   dice_c = (2 sum(p_c t_c) + smooth) / (sum(p_c) + sum(t_c) + smooth), sums over the batch and spatial
//   dims, loss = 1 - mean_c dice_c.
// It weighs each class equally, whatever its pixel count, so it complements pixel-wise cross-entropy on
// images dominated by background.
#include "strata/core/tensor.h"

namespace strata::ops {

// input [N, C] or [N, C, d...] logits, target i64 class indices [N] / [N, d...] in [0, C); a 0-dim loss.
// Throws naming the shapes when they disagree and the label when one is out of range.
Tensor dice_loss(const Tensor& input, const Tensor& target, double smooth = 1.0);

}  // namespace strata::ops
