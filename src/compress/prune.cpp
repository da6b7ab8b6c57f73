#include "strata/compress/prune.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::compress {
namespace {

bool is_prunable_type(const std::string& type) {
  return type == "Linear" || type == "Conv1d" || type == "Conv2d" || type == "Conv3d" ||
         type == "ConvTranspose1d" || type == "ConvTranspose2d" || type == "ConvTranspose3d";
}

// Entries to prune out of `n` for a fraction `sparsity`, as PyTorch's round(amount * n).
int64_t count_for(double sparsity, int64_t n) {
  return std::min<int64_t>(n, static_cast<int64_t>(std::llround(sparsity * static_cast<double>(n))));
}

// Scores of one tensor for ranking: |w|, and -1 for entries already masked so they rank first and stay
// pruned.
std::vector<double> scores_of(const Tensor& weight, const Tensor& mask) {
  std::vector<double> w = weight.detach().to(kFloat64).contiguous().to_vector<double>();
  const std::vector<double> m = mask.to(kFloat64).contiguous().to_vector<double>();
  for (size_t i = 0; i < w.size(); ++i) w[i] = m[i] == 0.0 ? -1.0 : std::abs(w[i]);
  return w;
}

// Marks in `keep` (1 kept, 0 pruned) the `k` entries of smallest score, ties to the lower index.
std::vector<double> keep_mask(const std::vector<double>& scores, int64_t k) {
  std::vector<double> keep(scores.size(), 1.0);
  if (k <= 0) return keep;
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  auto less = [&](int64_t a, int64_t b) {
    return scores[a] < scores[b] || (scores[a] == scores[b] && a < b);
  };
  if (k < static_cast<int64_t>(order.size()))
    std::nth_element(order.begin(), order.begin() + k, order.end(), less);
  for (int64_t i = 0; i < k; ++i) keep[order[i]] = 0.0;
  return keep;
}

int64_t count_zeros(const Tensor& t) {
  const std::vector<double> v = t.detach().to(kFloat64).contiguous().to_vector<double>();
  return static_cast<int64_t>(std::count(v.begin(), v.end(), 0.0));
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> prunable_weights(nn::Module& model) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, module] : model.named_modules()) {
    if (!is_prunable_type(module->type_name())) continue;
    for (const auto& [pname, p] : module->named_parameters(false)) {
      if (pname == "weight") out.emplace_back(name.empty() ? pname : name + "." + pname, p);
    }
  }
  return out;
}

std::vector<LayerSparsity> sparsity_report(const std::vector<std::pair<std::string, Tensor>>& weights) {
  std::vector<LayerSparsity> out;
  LayerSparsity total{.name = "total"};
  for (const auto& [name, w] : weights) {
    LayerSparsity row{.name = name, .numel = w.numel(), .zeros = count_zeros(w)};
    total.numel += row.numel;
    total.zeros += row.zeros;
    out.push_back(row);
  }
  out.push_back(total);
  return out;
}

std::string format_sparsity_report(const std::vector<LayerSparsity>& report) {
  size_t width = 5;
  for (const auto& row : report) width = std::max(width, row.name.size());
  std::string out =
      fmt::format("{:<{}}  {:>10}  {:>10}  {:>8}\n", "layer", width, "entries", "zeros", "sparsity");
  for (const auto& row : report)
    out += fmt::format("{:<{}}  {:>10}  {:>10}  {:>7.2f}%\n", row.name, width, row.numel, row.zeros,
                       100.0 * row.sparsity());
  return out;
}

PruningMasks::PruningMasks(std::vector<std::pair<std::string, Tensor>> weights)
    : weights_(std::move(weights)) {
  STRATA_CHECK(!weights_.empty(), "PruningMasks: no weight to prune (the model has no Linear or Conv layer)");
  for (const auto& [name, w] : weights_) {
    STRATA_CHECK(w.defined() && w.numel() > 0, "PruningMasks: weight {} is empty", name);
    STRATA_CHECK(w.dtype() == kFloat32 || w.dtype() == kFloat64,
                 "PruningMasks: weight {} has dtype {}; pruning needs f32 or f64 weights", name,
                 dtype_name(w.dtype()));
    masks_.push_back(ones(w.shape(), {.dtype = w.dtype()}));
  }
}

PruningMasks PruningMasks::for_model(nn::Module& model) { return PruningMasks(prunable_weights(model)); }

void PruningMasks::check_usable(const char* op, double sparsity) const {
  STRATA_CHECK(!removed_, "PruningMasks::{}: the masks were removed", op);
  STRATA_CHECK(sparsity >= 0.0 && sparsity <= 1.0, "PruningMasks::{}: sparsity must be in [0, 1], got {}", op,
               sparsity);
}

void PruningMasks::l1_unstructured(double sparsity) {
  check_usable("l1_unstructured", sparsity);
  for (size_t i = 0; i < weights_.size(); ++i) {
    const std::vector<double> scores = scores_of(weights_[i].second, masks_[i]);
    const int64_t k = count_for(sparsity, static_cast<int64_t>(scores.size()));
    const int64_t already = static_cast<int64_t>(std::count(scores.begin(), scores.end(), -1.0));
    if (k <= already) continue;  // masks only grow
    masks_[i] = from_vector(keep_mask(scores, k), weights_[i].second.shape()).to(weights_[i].second.dtype());
  }
  apply();
}

void PruningMasks::global_unstructured(double sparsity) {
  check_usable("global_unstructured", sparsity);
  std::vector<double> scores;
  std::vector<size_t> offsets{0};
  for (size_t i = 0; i < weights_.size(); ++i) {
    const std::vector<double> s = scores_of(weights_[i].second, masks_[i]);
    scores.insert(scores.end(), s.begin(), s.end());
    offsets.push_back(scores.size());
  }
  const int64_t k = count_for(sparsity, static_cast<int64_t>(scores.size()));
  const int64_t already = static_cast<int64_t>(std::count(scores.begin(), scores.end(), -1.0));
  if (k > already) {
    const std::vector<double> keep = keep_mask(scores, k);
    for (size_t i = 0; i < weights_.size(); ++i) {
      const std::vector<double> part(keep.begin() + static_cast<std::ptrdiff_t>(offsets[i]),
                                     keep.begin() + static_cast<std::ptrdiff_t>(offsets[i + 1]));
      masks_[i] = from_vector(part, weights_[i].second.shape()).to(weights_[i].second.dtype());
    }
  }
  apply();
}

void PruningMasks::prune(double sparsity, bool global) {
  if (global) {
    global_unstructured(sparsity);
  } else {
    l1_unstructured(sparsity);
  }
}

void PruningMasks::apply() const {
  if (removed_) return;
  NoGradGuard no_grad;
  for (size_t i = 0; i < weights_.size(); ++i) {
    Tensor w = weights_[i].second.detach();
    w.mul_(masks_[i]);
  }
}

void PruningMasks::mask_grads() const {
  if (removed_) return;
  NoGradGuard no_grad;
  for (size_t i = 0; i < weights_.size(); ++i) {
    Tensor g = weights_[i].second.grad();
    if (g.defined()) g.mul_(masks_[i]);
  }
}

void PruningMasks::remove() {
  STRATA_CHECK(!removed_, "PruningMasks::remove: the masks were removed already");
  apply();
  removed_ = true;
  masks_.clear();
}

const Tensor& PruningMasks::mask(const std::string& name) const {
  STRATA_CHECK(!removed_, "PruningMasks::mask: the masks were removed");
  std::string known;
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (weights_[i].first == name) return masks_[i];
    known += (known.empty() ? "" : ", ") + weights_[i].first;
  }
  STRATA_FAIL("PruningMasks::mask: no pruned weight named '{}' (pruned: {})", name, known);
}

double PruningMasks::sparsity() const {
  if (removed_) return 0.0;
  int64_t zeros = 0, n = 0;
  for (const Tensor& m : masks_) {
    zeros += count_zeros(m);
    n += m.numel();
  }
  return n > 0 ? static_cast<double>(zeros) / static_cast<double>(n) : 0.0;
}

}  // namespace strata::compress
