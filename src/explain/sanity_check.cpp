#include "strata/explain/sanity_check.h"

#include <numeric>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/explain/rank_correlation.h"
#include "strata/nn/attention.h"
#include "strata/nn/conv.h"
#include "strata/nn/embedding.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/nn/rnn.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::explain {
namespace {

// Weight 1, bias 0: the initialisation of every affine normalisation layer.
void reset_affine(Tensor& weight, Tensor& bias) {
  if (weight.defined()) nn::init::ones_(weight);
  if (bias.defined()) nn::init::zeros_(bias);
}

// Copies of every parameter and buffer, to put back after the cascade.
class WeightsRestorer {
 public:
  explicit WeightsRestorer(nn::Module& model) : model_(model) {
    for (const auto& [name, t] : model.state_dict()) saved_[name] = t.detach().clone();
  }
  ~WeightsRestorer() {
    NoGradGuard no_grad;
    for (const auto& [name, t] : model_.state_dict()) {
      Tensor target = t;
      target.copy_(saved_.at(name));
    }
  }
  WeightsRestorer(const WeightsRestorer&) = delete;
  WeightsRestorer& operator=(const WeightsRestorer&) = delete;

 private:
  nn::Module& model_;
  nn::StateDict saved_;
};

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// The step comparing the maps `original` and `now`, signed and absolute.
RandomizationStep compare(const std::string& layer, const Tensor& original, const Tensor& now) {
  return RandomizationStep{
      .layer = layer,
      .rank_correlation = mean(spearman_per_example(channel_sum(original, false), channel_sum(now, false))),
      .rank_correlation_abs =
          mean(spearman_per_example(channel_sum(original, true), channel_sum(now, true)))};
}

}  // namespace

void reinitialize(nn::Module& module) {
  NoGradGuard no_grad;
  if (auto* m = dynamic_cast<nn::LinearImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::Conv2dImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::Conv1dImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::ConvTranspose2dImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::MultiheadAttentionImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::RNNBaseImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::RNNCellBaseImpl*>(&module)) return m->reset_parameters();
  if (auto* m = dynamic_cast<nn::BatchNormImpl*>(&module)) {
    reset_affine(m->weight, m->bias);
    if (m->running_mean.defined()) nn::init::zeros_(m->running_mean);
    if (m->running_var.defined()) nn::init::ones_(m->running_var);
    if (m->num_batches_tracked.defined()) m->num_batches_tracked.zero_();
    return;
  }
  if (auto* m = dynamic_cast<nn::LayerNormImpl*>(&module)) return reset_affine(m->weight, m->bias);
  if (auto* m = dynamic_cast<nn::GroupNormImpl*>(&module)) return reset_affine(m->weight, m->bias);
  if (auto* m = dynamic_cast<nn::RMSNormImpl*>(&module)) {
    Tensor none;
    return reset_affine(m->weight, none);
  }
  if (auto* m = dynamic_cast<nn::EmbeddingImpl*>(&module)) {
    // PyTorch's Embedding.reset_parameters: N(0, 1).
    return nn::init::normal_(m->weight);
  }
  STRATA_FAIL(
      "reinitialize: no initialiser known for a {} (parameters {}); the sanity check randomises "
      "Linear, Conv, attention, recurrent, embedding and normalisation layers",
      module.type_name(), [&] {
        std::string names;
        for (const auto& [name, t] : module.named_parameters(false))
          names += (names.empty() ? "" : ", ") + name;
        return names;
      }());
}

std::vector<std::string> parameterized_layers(nn::Module& model) {
  std::vector<std::string> out;
  for (const auto& [name, module] : model.named_modules()) {
    if (!module->named_parameters(false).empty()) out.push_back(name);
  }
  return out;
}

Tensor channel_sum(const Tensor& attributions, bool absolute) {
  const Tensor a = absolute ? ops::abs(attributions) : attributions;
  return a.dim() >= 3 ? ops::sum(a, {1}) : a;
}

std::vector<RandomizationStep> cascading_randomization(nn::Module& model, const Tensor& input,
                                                       const AttributionFn& attribute) {
  STRATA_CHECK(static_cast<bool>(attribute), "cascading_randomization: no attribution method given");
  const std::vector<std::string> layers = parameterized_layers(model);
  STRATA_CHECK(!layers.empty(), "cascading_randomization: the model has no parameters to randomise");
  std::map<std::string, std::shared_ptr<nn::Module>> modules;
  for (const auto& [name, module] : model.named_modules()) modules[name] = module;

  WeightsRestorer restore(model);
  const Tensor original = attribute(model, input).detach();
  auto step = [&](const std::string& layer) {
    return compare(layer, original, attribute(model, input).detach());
  };
  std::vector<RandomizationStep> steps{step("")};
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    reinitialize(*modules.at(*it));
    steps.push_back(step(*it));
  }
  return steps;
}

RandomizationStep data_randomization(nn::Module& model, nn::Module& random_label_model, const Tensor& input,
                                     const AttributionFn& attribute) {
  STRATA_CHECK(static_cast<bool>(attribute), "data_randomization: no attribution method given");
  const Tensor original = attribute(model, input).detach();
  const Tensor other = attribute(random_label_model, input).detach();
  STRATA_CHECK(
      original.shape() == other.shape(),
      "data_randomization: the two models' maps differ in shape ({} and {}); give the same architecture",
      original.shape().str(), other.shape().str());
  return compare("data", original, other);
}

}  // namespace strata::explain
