#pragma once
// A language model's logits [B, T, V] flattened to [B * T, V], one row per predicted token, as a
// language-model loss lines them up with targets flattened to [B * T] (the `strata` CLI wraps models::GPT so
// for text-lm). The wrapper holds the model's children as its own, so parameter names (and checkpoints) stay
// the model's.
#include <memory>
#include <string>

#include "strata/nn/module.h"

namespace strata::models {

class FlattenedLogitsImpl : public nn::Module {
 public:
  explicit FlattenedLogitsImpl(std::shared_ptr<nn::Module> model);
  // model(x) with its first two dimensions merged.
  Tensor forward(const Tensor& x) override;
  // Sets the mode of the wrapper and of the model.
  void train(bool on) override;
  std::string extra_repr() const override;

  std::shared_ptr<nn::Module> model;
};
STRATA_MODULE_HOLDER(FlattenedLogits);

}  // namespace strata::models
