#include "strata/explain/attribution.h"

#include <algorithm>

#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::explain {

EvalModeGuard::EvalModeGuard(nn::Module& model) : model_(model), was_training_(model.is_training()) {
  model_.eval();
}

EvalModeGuard::~EvalModeGuard() {
  if (was_training_) model_.train(true);
}

void check_input(const Tensor& input, const char* method) {
  STRATA_CHECK(input.defined(), "{}: the input is undefined", method);
  STRATA_CHECK(input.is_floating_point(), "{}: the input must be floating point, got {}", method,
               dtype_name(input.dtype()));
  STRATA_CHECK(input.dim() >= 2 && input.size(0) > 0,
               "{}: the input must be a batch [N, ...] with N >= 1, got shape {}", method,
               input.shape().str());
}

Tensor target_scores(const Tensor& output, const std::vector<int64_t>& target, const char* method) {
  STRATA_CHECK(output.dim() == 2, "{}: the model must return class scores [N, C], got shape {}", method,
               output.shape().str());
  STRATA_CHECK(static_cast<int64_t>(target.size()) == output.size(0),
               "{}: {} targets for a batch of {} (one class index per example)", method, target.size(),
               output.size(0));
  for (size_t i = 0; i < target.size(); ++i) {
    STRATA_CHECK(target[i] >= 0 && target[i] < output.size(1),
                 "{}: target[{}] = {} is not a class of the model's output [N, {}]", method, i, target[i],
                 output.size(1));
  }
  const Tensor index = from_vector(target, Shape{static_cast<int64_t>(target.size()), 1});
  return ops::gather(output, 1, index).reshape({-1});
}

std::vector<int64_t> resolve_target(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                                    const char* method) {
  check_input(input, method);
  STRATA_CHECK(options.internal_batch_size >= 1, "{}: internal_batch_size must be >= 1, got {}", method,
               options.internal_batch_size);
  const int64_t n = input.size(0);
  if (!options.target.empty()) {
    STRATA_CHECK(static_cast<int64_t>(options.target.size()) == n,
                 "{}: target has {} entries for an input batch of {} (shape {}); give one class per example",
                 method, options.target.size(), n, input.shape().str());
    return options.target;
  }
  NoGradGuard no_grad;
  std::vector<int64_t> top;
  top.reserve(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; start += options.internal_batch_size) {
    const int64_t len = std::min(options.internal_batch_size, n - start);
    const Tensor out = model(input.narrow(0, start, len).detach());
    STRATA_CHECK(out.dim() == 2, "{}: the model must return class scores [N, C], got shape {}", method,
                 out.shape().str());
    for (int64_t k : ops::argmax(out, 1).to_vector<int64_t>()) top.push_back(k);
  }
  return top;
}

Tensor forward_scores(nn::Module& model, const Tensor& input, const std::vector<int64_t>& target,
                      int64_t batch_size, const char* method) {
  NoGradGuard no_grad;
  std::vector<Tensor> parts;
  const int64_t n = input.size(0);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t len = std::min(batch_size, n - start);
    const std::vector<int64_t> t(target.begin() + start, target.begin() + start + len);
    parts.push_back(target_scores(model(input.narrow(0, start, len).detach()), t, method));
  }
  return parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
}

Tensor input_gradients(nn::Module& model, const Tensor& input, const std::vector<int64_t>& target,
                       int64_t batch_size, const char* method) {
  STRATA_CHECK(static_cast<int64_t>(target.size()) == input.size(0), "{}: {} targets for {} rows", method,
               target.size(), input.size(0));
  autograd::EnableGradGuard grad_on;
  std::vector<Tensor> parts;
  const int64_t n = input.size(0);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t len = std::min(batch_size, n - start);
    Tensor x = input.narrow(0, start, len).detach().contiguous();
    x.requires_grad_();
    const std::vector<int64_t> t(target.begin() + start, target.begin() + start + len);
    // Examples are independent in eval mode, so the gradient of the summed scores is each row's own.
    const Tensor score = ops::sum(target_scores(model(x), t, method));
    parts.push_back(autograd::grad(score, {x})[0]);
  }
  return parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
}

}  // namespace strata::explain
