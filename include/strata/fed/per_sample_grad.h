#pragma once
// Per-sample gradients of Linear and Conv2d layers without a loop over the batch (as Opacus computes them).
// Forward hooks keep each layer's input a and pass its output through an identity node whose backward keeps
// the output gradient g of every sample (no copy either way). Then, per sample i:
//   Linear:  dW_i = g_i^T a_i (an outer product, or a sum of them over a sequence: one batched matmul),
//            db_i = g_i summed over the sequence;
//   Conv2d:  dW_i = g_i U(a_i)^T with U the unfolded input patches [C*kH*kW, L], computed for the whole
//            batch by one call of the convolution weight-gradient kernel that treats the B samples as B
//            groups (input [1, B*C, H, W], output gradient [1, B*Cout, oH, oW]), so the patches are never
//            materialised; db_i = g_i summed over positions.
// The scale (the batch size for a mean loss) multiplies only B-sized results (norms, clipping weights).
// DpSgd turns the parameters' requires_grad off during its backward, so backward computes only the output
// gradients and no batch gradient of the weights.
#include <memory>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/hooks.h"
#include "strata/nn/module.h"

namespace strata::fed {

// Patches of x [N, C, H, W] as a convolution with these settings sees them: [N, C*kH*kW, L] with L the
// output positions (torch.nn.functional.unfold); "same" padding pads as conv2d does.
Tensor unfold(const Tensor& x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
              int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w);

class PerSampleGradients {
 public:
  // Hooks every Linear and Conv2d (groups 1) of `model`; throws naming the module when another module holds
  // a parameter that trains (BatchNorm mixes samples, others have no per-sample rule here).
  explicit PerSampleGradients(std::shared_ptr<nn::Module> model);
  ~PerSampleGradients();
  PerSampleGradients(const PerSampleGradients&) = delete;
  PerSampleGradients& operator=(const PerSampleGradients&) = delete;

  // The trainable parameters in the model's parameters() order, each with its per-sample rule.
  const std::vector<Tensor>& parameters() const { return params_; }
  // After backward of a loss over the last forward: the per-sample gradient of every parameter,
  // [B, *param shape], in parameters() order. `scale` multiplies the output gradients (the batch size when
  // the loss is the batch mean, so each row is the gradient of that sample's own loss).
  std::vector<Tensor> gradients(double scale = 1.0) const;
  // Per-sample squared L2 norms of the whole gradient [B] (f32), from the factorised form for Linear layers
  // on [B, in] inputs (|g_i|^2 |a_i|^2) and from the materialised gradients otherwise.
  Tensor squared_norms(double scale = 1.0) const;
  // sum_i weights_i * gradient_i for every parameter (the clipped sum of DP-SGD), one matmul per layer:
  // Linear folds the weights into the output gradients (no per-sample gradient is materialised); Conv2d
  // reuses its per-sample gradients of the same backward (small: B x Cout x C x kH x kW) as [B] x [B, P].
  std::vector<Tensor> weighted_sum(const Tensor& weights, double scale = 1.0) const;
  // The batch size of the last forward.
  int64_t batch_size() const { return batch_; }

 private:
  struct Layer;
  std::shared_ptr<nn::Module> model_;
  std::vector<std::shared_ptr<Layer>> layers_;
  std::vector<Tensor> params_;
  std::vector<nn::HookHandle> hooks_;
  int64_t batch_ = 0;
};

}  // namespace strata::fed
