#pragma once
// MultiheadAttention, interchangeable with PyTorch's nn.MultiheadAttention: the same parameters
// (in_proj_weight [3E, E] and in_proj_bias [3E], or q_proj_weight / k_proj_weight / v_proj_weight when
// kdim or vdim differ from embed_dim; out_proj.weight / out_proj.bias), initialisation, layouts and masks.
//
// Masks follow nn.MultiheadAttention: a u8 (bool) mask blocks where it is nonzero (the opposite of
// F::scaled_dot_product_attention's u8 masks, which allow where nonzero); a float mask is added to the
// scores (-inf blocks). A query whose keys are all blocked gets a zero output (PyTorch gives NaN).
#include <functional>
#include <utility>

#include "strata/nn/linear.h"
#include "strata/nn/module.h"

namespace strata::nn {

struct MultiheadAttentionOptions {
  double dropout = 0.0;      // on the attention weights, in training mode
  bool bias = true;          // in_proj_bias and out_proj.bias
  int64_t kdim = 0;          // features of the key (0: embed_dim)
  int64_t vdim = 0;          // features of the value (0: embed_dim)
  bool batch_first = false;  // inputs and output [B, T, E] instead of [T, B, E]
};

// The optional arguments of MultiheadAttention::forward, with PyTorch's names and defaults.
struct MultiheadAttentionArgs {
  Tensor key_padding_mask{};         // [B, S] (or [S] unbatched): u8 nonzero = padding, or float added
  bool need_weights = true;          // also return the attention weights
  Tensor attn_mask{};                // [L, S] or [B * num_heads, L, S]: u8 nonzero = blocked, or float added
  bool average_attn_weights = true;  // weights averaged over heads [B, L, S], else [B, num_heads, L, S]
  bool is_causal = false;            // blocks key j for query i when j > i + (S - L); combines with the masks
};

// (attn_output, attn_output_weights) as PyTorch returns them; weights undefined unless need_weights.
struct MultiheadAttentionOutput {
  Tensor output{};
  Tensor weights{};
};

// Float [L, S]: -inf where key j comes after query i (j > i + S - L), else 0; the mask of is_causal.
Tensor causal_mask(int64_t L, int64_t S, Dtype dtype, Device device);

// Sees the attention weights of a layer's forward: [B, num_heads, L, S] per head (B = 1 for an unbatched
// input), after masking, softmax and dropout, as nn.MultiheadAttention returns them with need_weights.
using AttentionHook = std::function<void(Module& module, const Tensor& weights)>;

// The attention-weight hooks of a layer that attends (MultiheadAttention, models::CausalSelfAttention): how
// explain::attention_maps reads every layer's weights, whatever its caller asked for.
class AttentionHooks {
 public:
  virtual ~AttentionHooks() = default;
  // Registers `fn` to see the weights of every forward; while any is registered the layer computes the
  // weights explicitly instead of calling a fused attention kernel.
  HookHandle register_attention_hook(AttentionHook fn) { return add_hook(attention_hooks_, std::move(fn)); }
  // True when an attention hook is registered.
  bool has_attention_hooks() const { return attention_hooks_ && !attention_hooks_->empty(); }

 protected:
  // Shows `weights` to the registered hooks, in registration order.
  void run_attention_hooks(Module& self, const Tensor& weights) const {
    if (!attention_hooks_) return;
    for (const auto& hook : attention_hooks_->snapshot()) hook(self, weights);
  }

 private:
  std::shared_ptr<HookList<AttentionHook>> attention_hooks_;
};

// Attention over num_heads heads of embed_dim / num_heads features each.
class MultiheadAttentionImpl : public Module, public AttentionHooks {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {});
  // query [L, B, E] (batch_first: [B, L, E]; unbatched: [L, E]), key [S, B, kdim], value [S, B, vdim].
  // Runs the module's hooks with inputs {query, key, value} and output attn_output.
  MultiheadAttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const MultiheadAttentionArgs& args = {});
  // Self-attention of `input` without masks: forward(input, input, input) without weights.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  // Re-draws the projections like PyTorch: xavier_uniform weights, zero biases.
  void reset_parameters();

  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  MultiheadAttentionOptions options;
  // in_proj_weight when kdim == vdim == embed_dim, else the three separate projections.
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias;
  Linear out_proj;

 private:
  MultiheadAttentionOutput attend(const Tensor& query, const Tensor& key, const Tensor& value,
                                  const MultiheadAttentionArgs& args);
};
class MultiheadAttention : public ModuleHolder<MultiheadAttentionImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {})
      : ModuleHolder(std::make_shared<MultiheadAttentionImpl>(embed_dim, num_heads, options)) {}
};

}  // namespace strata::nn
