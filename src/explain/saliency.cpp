#include "strata/explain/saliency.h"

#include "strata/ops/elementwise.h"

namespace strata::explain {

Tensor saliency(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                const SaliencyOptions& saliency_options) {
  EvalModeGuard eval(model);
  const std::vector<int64_t> target = resolve_target(model, input, options, "saliency");
  const Tensor g = input_gradients(model, input, target, options.internal_batch_size, "saliency");
  return saliency_options.abs ? ops::abs(g) : g;
}

}  // namespace strata::explain
