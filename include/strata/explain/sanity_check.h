#pragma once
// Sanity checks for attribution methods (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"). A map that
// explains the model must depend on the model: re-initialising its weights layer by layer, from the output
// down ("cascading randomisation"), must change the map, which the rank correlation between the original
// and the randomised maps measures. A map that stays put (an edge detector of the input) fails the check.
#include <functional>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::explain {

// An attribution method bound to its options: maps [N, ...] of `input` under `model` as it is now.
using AttributionFn = std::function<Tensor(nn::Module& model, const Tensor& input)>;

// One step of the cascade.
struct RandomizationStep {
  std::string layer;  // the module re-initialised at this step (dotted name); "" for the unchanged model
  // Mean over examples of Spearman's rho between the original map and this step's, on the maps summed over
  // channels (dim 1) and on their absolute values (Adebayo et al. report both).
  double rank_correlation = 0;
  double rank_correlation_abs = 0;
};

// Re-initialises one module's own parameters with its layer's initialiser (Linear, Conv1d/2d,
// ConvTranspose2d, MultiheadAttention, RNN/LSTM/GRU and their cells; normalisation layers back to weight 1,
// bias 0 and fresh running statistics); throws naming the type for a module it does not know. Draws from
// the default generator (seed it with manual_seed for a repeatable cascade).
void reinitialize(nn::Module& module);

// The modules that own parameters, in the order of named_modules (the input side first): the layers the
// cascade randomises, last to first.
std::vector<std::string> parameterized_layers(nn::Module& model);

// The cascade: step 0 recomputes the map of the unchanged model (its correlation with the original is the
// same-model reference: 1 for deterministic methods), then each step re-initialises one more layer, from
// the top down. The model's weights are restored when it returns (or throws).
std::vector<RandomizationStep> cascading_randomization(nn::Module& model, const Tensor& input,
                                                       const AttributionFn& attribute);

// The data-randomisation test (Adebayo et al. 2018, section 5): the maps of `model` against those of
// `random_label_model`, the same architecture trained on randomly permuted labels. A method that explains
// what the model learnt must give unrelated maps; the step's layer is "data".
RandomizationStep data_randomization(nn::Module& model, nn::Module& random_label_model, const Tensor& input,
                                     const AttributionFn& attribute);

// The map each step compares: attributions [N, C, ...] summed over channels to [N, ...] (inputs [N, D]
// stay as they are), or the same of their absolute values.
Tensor channel_sum(const Tensor& attributions, bool absolute);

}  // namespace strata::explain
