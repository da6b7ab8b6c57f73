#include "strata/models/flattened_logits.h"

#include "strata/core/error.h"

namespace strata::models {

FlattenedLogitsImpl::FlattenedLogitsImpl(std::shared_ptr<nn::Module> model)
    : nn::Module("FlattenedLogits"), model(std::move(model)) {
  STRATA_CHECK(this->model != nullptr, "FlattenedLogits: the model is null");
  for (const auto& [name, child] : this->model->named_children()) register_module(name, child);
}

Tensor FlattenedLogitsImpl::forward(const Tensor& x) {
  const Tensor y = model->forward(x);
  STRATA_CHECK(y.dim() >= 2, "FlattenedLogits: the model's output {} has fewer than two dimensions",
               y.shape().str());
  return y.flatten(0, 1);
}

void FlattenedLogitsImpl::train(bool on) {
  nn::Module::train(on);
  model->train(on);
}

std::string FlattenedLogitsImpl::extra_repr() const {
  return model->type_name() + ": " + model->extra_repr();
}

}  // namespace strata::models
