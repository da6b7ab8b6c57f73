#include "strata/explain/gradient_x_input.h"

#include "strata/ops/elementwise.h"

namespace strata::explain {

Tensor gradient_x_input(nn::Module& model, const Tensor& input, const AttributionOptions& options) {
  EvalModeGuard eval(model);
  const std::vector<int64_t> target = resolve_target(model, input, options, "gradient_x_input");
  const Tensor g = input_gradients(model, input, target, options.internal_batch_size, "gradient_x_input");
  return ops::mul(input.detach(), g);
}

}  // namespace strata::explain
