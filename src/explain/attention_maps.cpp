#include "strata/explain/attention_maps.h"

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/explain/attribution.h"
#include "strata/nn/attention.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"

namespace strata::explain {

std::vector<LayerAttention> attention_maps(nn::Module& model, const Tensor& input, bool average_heads) {
  std::vector<LayerAttention> maps;
  std::vector<nn::HookHandle> handles;
  for (const auto& [name, m] : model.named_modules()) {
    auto* layer = dynamic_cast<nn::AttentionHooks*>(m.get());
    if (layer == nullptr) continue;
    handles.push_back(
        layer->register_attention_hook([&maps, average_heads, name = name](nn::Module&, const Tensor& w) {
          maps.push_back({name, average_heads ? ops::mean(w, {1}) : w.detach()});
        }));
  }
  STRATA_CHECK(
      !handles.empty(),
      "attention_maps: the model ({}) has no attention layer (MultiheadAttention, CausalSelfAttention)",
      model.type_name());
  EvalModeGuard eval(model);
  NoGradGuard no_grad;
  model(input);
  return maps;
}

Tensor attention_rollout(const std::vector<LayerAttention>& layers) {
  STRATA_CHECK(!layers.empty(), "attention_rollout: no layers to roll out");
  Tensor rollout;
  NoGradGuard no_grad;
  for (const auto& layer : layers) {
    const Tensor& w = layer.weights;
    STRATA_CHECK(
        w.defined() && (w.dim() == 3 || w.dim() == 4) && w.size(-1) == w.size(-2),
        "attention_rollout: layer '{}' has weights {}, expected square self-attention [B, heads, L, L] "
        "or [B, L, L]",
        layer.name, w.defined() ? w.shape().str() : std::string("undefined"));
    Tensor a = w.dim() == 4 ? ops::mean(w, {1}) : w;  // [B, L, L]
    STRATA_CHECK(!rollout.defined() || a.shape() == rollout.shape(),
                 "attention_rollout: layer '{}' has weights {} after averaging heads, earlier layers {}",
                 layer.name, a.shape().str(), rollout.shape().str());
    // The residual stream carries each token's own state: A + I, rows renormalised.
    a = ops::add(a, eye(a.size(-1), -1, {.dtype = a.dtype(), .device = a.device()}));
    a = ops::div(a, ops::sum(a, {-1}, true));
    rollout = rollout.defined() ? ops::matmul(a, rollout) : a;
  }
  return rollout;
}

}  // namespace strata::explain
