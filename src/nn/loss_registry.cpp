// strata's losses by name, each option declared once with PyTorch's name and default.
#include "strata/nn/loss_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"

namespace strata::nn {
namespace {

using L = std::shared_ptr<LossImpl>;

ArgSpec option(std::string name, ArgKind kind, ArgValue fallback, std::vector<std::string> choices = {}) {
  return {
      .name = std::move(name), .kind = kind, .fallback = std::move(fallback), .choices = std::move(choices)};
}

// Every loss takes PyTorch's `reduction`.
ArgSpec reduction() { return option("reduction", ArgKind::String, "mean", {"mean", "sum", "none"}); }

Reduction reduction_of(const LayerArgs& a) {
  const std::string r = a.text("reduction");
  return r == "sum" ? Reduction::Sum : r == "none" ? Reduction::None : Reduction::Mean;
}

std::vector<LossType> make_types() {
  const ops::CrossEntropyOptions ce;
  return {
      {"cross_entropy",
       "log-softmax + negative log-likelihood of class indices (or of class probabilities)",
       {option("label_smoothing", ArgKind::Float, ce.label_smoothing),
        option("ignore_index", ArgKind::Int, ce.ignore_index), reduction()},
       [](const LayerArgs& a) -> L {
         const double smoothing = a.number("label_smoothing");
         if (!(smoothing >= 0 && smoothing <= 1)) {
           a.fail(fmt::format("argument 'label_smoothing' must be in [0, 1], got {}", smoothing));
         }
         return CrossEntropyLoss({.weight = {},
                                  .ignore_index = a.integer("ignore_index"),
                                  .label_smoothing = smoothing,
                                  .reduction = reduction_of(a)});
       }},
      {"nll",
       "negative log-likelihood of class indices, given log-probabilities",
       {option("ignore_index", ArgKind::Int, ops::NLLOptions{}.ignore_index), reduction()},
       [](const LayerArgs& a) -> L {
         return NLLLoss(
             {.weight = {}, .ignore_index = a.integer("ignore_index"), .reduction = reduction_of(a)});
       }},
      {"mse",
       "mean squared error",
       {reduction()},
       [](const LayerArgs& a) -> L { return MSELoss(reduction_of(a)); }},
      {"l1",
       "mean absolute error",
       {reduction()},
       [](const LayerArgs& a) -> L { return L1Loss(reduction_of(a)); }},
      {"smooth_l1",
       "squared below beta, absolute above (scaled by 1 / beta)",
       {option("beta", ArgKind::Float, 1.0), reduction()},
       [](const LayerArgs& a) -> L {
         if (!(a.number("beta") >= 0)) a.fail("argument 'beta' must be >= 0");
         return SmoothL1Loss(reduction_of(a), a.number("beta"));
       }},
      {"huber",
       "squared below delta, linear above",
       {option("delta", ArgKind::Float, 1.0), reduction()},
       [](const LayerArgs& a) -> L {
         if (!(a.number("delta") > 0)) a.fail("argument 'delta' must be positive");
         return HuberLoss(reduction_of(a), a.number("delta"));
       }},
      {"bce",
       "binary cross-entropy of probabilities",
       {reduction()},
       [](const LayerArgs& a) -> L { return BCELoss(Tensor(), reduction_of(a)); }},
      {"bce_with_logits",
       "binary cross-entropy of logits (sigmoid fused)",
       {reduction()},
       [](const LayerArgs& a) -> L { return BCEWithLogitsLoss(Tensor(), Tensor(), reduction_of(a)); }},
      {"kl_div",
       "Kullback-Leibler divergence of log-probabilities from a target distribution",
       {option("log_target", ArgKind::Bool, false), reduction()},
       [](const LayerArgs& a) -> L { return KLDivLoss(reduction_of(a), a.boolean("log_target")); }},
  };
}

}  // namespace

const std::vector<LossType>& loss_types() {
  static const std::vector<LossType> types = make_types();
  return types;
}

const LossType& loss_type(const std::string& name) {
  std::vector<std::string> names;
  for (const LossType& t : loss_types()) {
    if (t.name == name) return t;
    names.push_back(t.name);
  }
  STRATA_FAIL("unknown loss '{}'{} (known: {})", name, did_you_mean(name, names), fmt::join(names, ", "));
}

std::shared_ptr<LossImpl> create_loss(const std::string& name, const ArgMap& options) {
  const LossType& type = loss_type(name);
  return type.create(LayerArgs(name, type.options, options, {}, {}, "loss"));
}

}  // namespace strata::nn
