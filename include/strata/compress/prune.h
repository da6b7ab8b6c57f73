#pragma once
// Unstructured magnitude pruning (as torch.nn.utils.prune.l1_unstructured / global_unstructured): each
// pruned weight has a 0/1 mask of its shape; the masked entries are set to zero, and they stay zero through
// fine-tuning because the masks are applied to the gradients after backward and to the weights after every
// optimiser step (compress::PruningSchedule does both in training). `remove` drops the masks: the zeros
// stay in the weights, nothing keeps them there any more.
#include <string>
#include <utility>
#include <vector>

#include "strata/nn/module.h"

namespace strata::compress {

// The weights that pruning acts on by default: the `weight` of every Linear, Conv1d/2d/3d and
// ConvTranspose layer, with dotted names ("features.0.weight"), in module order.
std::vector<std::pair<std::string, Tensor>> prunable_weights(nn::Module& model);

// One pruned tensor's numbers.
struct LayerSparsity {
  std::string name;
  int64_t numel = 0;
  int64_t zeros = 0;  // entries equal to zero in the tensor
  double sparsity() const {
    return numel > 0 ? static_cast<double>(zeros) / static_cast<double>(numel) : 0.0;
  }
};

// Zero counts of `weights` (any tensors, masked or not) and their total as a last row named "total".
std::vector<LayerSparsity> sparsity_report(const std::vector<std::pair<std::string, Tensor>>& weights);
// The report as an aligned text table (name, entries, zeros, sparsity).
std::string format_sparsity_report(const std::vector<LayerSparsity>& report);

// Masks over a set of weights. Sparsities are totals: prune to 0.8 then to 0.9 leaves 90% of the entries
// zero (PyTorch's `amount` counts the second step from the entries that remain). Masks only grow: entries
// pruned once stay pruned, and a sparsity below the current one changes nothing.
class PruningMasks {
 public:
  // Masks of ones over `weights` (tensors of the model, shared: applying a mask changes the model).
  explicit PruningMasks(std::vector<std::pair<std::string, Tensor>> weights);
  // Masks over prunable_weights(model).
  static PruningMasks for_model(nn::Module& model);

  // Per-layer pruning: in each weight, the round(sparsity * numel) entries of smallest |w| are masked
  // (ties: lower flat index first), and the masks applied.
  void l1_unstructured(double sparsity);
  // Global pruning: the round(sparsity * N) entries of smallest |w| over all N entries of all weights
  // together are masked (one threshold for every layer), and the masks applied.
  void global_unstructured(double sparsity);
  // l1_unstructured or global_unstructured.
  void prune(double sparsity, bool global);

  // weight *= mask for every weight (no autograd record).
  void apply() const;
  // grad *= mask for every weight that has a gradient.
  void mask_grads() const;
  // Applies the masks a last time and forgets them: the weights keep their zeros and train freely.
  void remove();
  bool removed() const { return removed_; }

  // The pruned weights with their names, and the masks (f32 0/1, the weights' shapes), in the same order.
  const std::vector<std::pair<std::string, Tensor>>& weights() const { return weights_; }
  const std::vector<Tensor>& masks() const { return masks_; }
  // The mask of the weight called `name`; throws naming the known weights when there is none.
  const Tensor& mask(const std::string& name) const;
  // Fraction of masked entries over all weights.
  double sparsity() const;
  // sparsity_report of the weights.
  std::vector<LayerSparsity> report() const { return sparsity_report(weights_); }

 private:
  void check_usable(const char* op, double sparsity) const;
  std::vector<std::pair<std::string, Tensor>> weights_;
  std::vector<Tensor> masks_;
  bool removed_ = false;
};

}  // namespace strata::compress
