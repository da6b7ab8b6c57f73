#pragma once
// What the attribution methods share (Captum's vocabulary): the options every method takes, the classes an
// attribution explains, and the gradient of those classes' scores with respect to the input, computed in
// chunks so memory stays bounded.
//
// A method explains a classifier `model` (any nn::Module taking one input tensor [N, ...] and returning
// scores [N, C]) at `input`: for each example i it attributes the score of class target[i] (the logit, not
// the softmax) to the input's elements. The model runs in eval mode (Dropout off, BatchNorm on its running
// statistics) and is put back into the mode it was in.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::explain {

// The options every attribution method takes.
struct AttributionOptions {
  // One class index per example; empty: each example's top-scoring class.
  std::vector<int64_t> target = {};
  // The most rows (examples, or the perturbed and scaled copies some methods make) in one forward and
  // backward pass; bounds memory.
  int64_t internal_batch_size = 64;
};

// Puts a module into eval mode for the guard's lifetime and back into training mode after, if it was.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(nn::Module& model);
  ~EvalModeGuard();
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  nn::Module& model_;
  bool was_training_;
};

// The classes to explain: options.target checked against the batch, or each example's top class.
// `method` names the caller in errors ("integrated_gradients: ...").
std::vector<int64_t> resolve_target(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                                    const char* method);

// The scores [N] of classes `target` in the model's output [N, C]; errors name `method`.
Tensor target_scores(const Tensor& output, const std::vector<int64_t>& target, const char* method);

// The model's target scores [N] at `input`, without recording (chunked by batch_size).
Tensor forward_scores(nn::Module& model, const Tensor& input, const std::vector<int64_t>& target,
                      int64_t batch_size, const char* method);

// d score[target[i]] / d input[i] for each row i of `input` ([M, ...], same dtype as the model), in chunks
// of batch_size rows; the model's parameter gradients are left untouched.
Tensor input_gradients(nn::Module& model, const Tensor& input, const std::vector<int64_t>& target,
                       int64_t batch_size, const char* method);

// Checks what every method needs of its input: defined, floating, a batch dimension, at least one example.
void check_input(const Tensor& input, const char* method);

}  // namespace strata::explain
