#include "strata/data/dataset.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "data/shuffle.h"

namespace strata::data {
namespace {

// Row `i` of t as a view (no autograd node: examples are data, and this runs per sample in workers).
Tensor row(const Tensor& t, int64_t i) {
  Shape shape;
  Strides strides;
  for (int64_t d = 1; d < t.dim(); ++d) {
    shape.push_back(t.size(d));
    strides.push_back(t.stride(d));
  }
  return Tensor(
      make_intrusive<TensorImpl>(t.impl()->storage, shape, strides, t.offset() + i * t.stride(0), t.dtype()));
}

void check_index(const char* what, int64_t index, int64_t size) {
  STRATA_CHECK(index >= 0 && index < size, "{}: index {} is out of range for a dataset of size {}", what,
               index, size);
}

}  // namespace

// ---- TensorDataset ------------------------------------------------------------------------------

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  STRATA_CHECK(inputs_.defined(), "TensorDataset: inputs are undefined");
  STRATA_CHECK(inputs_.dim() >= 1,
               "TensorDataset: inputs must have at least one dim (one row per example), got "
               "a 0-dim tensor");
  // Undefined targets are allowed (unlabelled data for predict); examples then have no target.
  if (targets_.defined()) {
    STRATA_CHECK(
        targets_.dim() >= 1,
        "TensorDataset: targets must have at least one dim (one row per example), got a 0-dim tensor");
    STRATA_CHECK(inputs_.size(0) == targets_.size(0),
                 "TensorDataset: inputs of shape {} and targets of shape {} differ in their first dim",
                 inputs_.shape().str(), targets_.shape().str());
  }
}

int64_t TensorDataset::size() const { return inputs_.size(0); }

Example TensorDataset::get(int64_t index) const {
  check_index("TensorDataset", index, size());
  return {row(inputs_, index), targets_.defined() ? row(targets_, index) : Tensor()};
}

// ---- Subset ---------------------------------------------------------------------------------------

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  STRATA_CHECK(dataset_ != nullptr, "Subset: dataset is null");
  const int64_t n = dataset_->size();
  for (size_t i = 0; i < indices_.size(); ++i) {
    STRATA_CHECK(indices_[i] >= 0 && indices_[i] < n,
                 "Subset: index {} (at position {}) is out of range for a dataset of size {}", indices_[i], i,
                 n);
  }
}

Example Subset::get(int64_t index) const {
  check_index("Subset", index, size());
  return dataset_->get(indices_[static_cast<size_t>(index)]);
}

// ---- TransformDataset -----------------------------------------------------------------------------

TransformDataset::TransformDataset(std::shared_ptr<const Dataset> dataset, Transform transform)
    : dataset_(std::move(dataset)), transform_(std::move(transform)) {
  STRATA_CHECK(dataset_ != nullptr, "TransformDataset: dataset is null");
  STRATA_CHECK(static_cast<bool>(transform_), "TransformDataset: transform is empty");
}

Example TransformDataset::get(int64_t index) const {
  check_index("TransformDataset", index, size());
  Example e = dataset_->get(index);
  e.input = transform_(e.input);
  return e;
}

// ---- random_split ---------------------------------------------------------------------------------

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<int64_t>& lengths, uint64_t seed) {
  STRATA_CHECK(dataset != nullptr, "random_split: dataset is null");
  STRATA_CHECK(!lengths.empty(), "random_split: no lengths given");
  int64_t total = 0;
  for (int64_t l : lengths) {
    STRATA_CHECK(l >= 0, "random_split: lengths [{}] contain a negative length", fmt::join(lengths, ", "));
    total += l;
  }
  const int64_t n = dataset->size();
  STRATA_CHECK(total == n, "random_split: lengths [{}] add up to {} but the dataset has {} examples",
               fmt::join(lengths, ", "), total, n);
  // Its own generator, so the split depends on the seed alone and leaves the global generator untouched.
  Generator generator(seed);
  const std::vector<int64_t> perm = detail::permutation(n, generator);
  std::vector<std::shared_ptr<Subset>> out;
  out.reserve(lengths.size());
  auto it = perm.begin();
  for (int64_t l : lengths) {
    out.push_back(std::make_shared<Subset>(dataset, std::vector<int64_t>(it, it + l)));
    it += l;
  }
  return out;
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double>& fractions, uint64_t seed) {
  STRATA_CHECK(dataset != nullptr, "random_split: dataset is null");
  STRATA_CHECK(!fractions.empty(), "random_split: no fractions given");
  double sum = 0.0;
  for (double f : fractions) {
    STRATA_CHECK(f >= 0.0 && f <= 1.0, "random_split: fraction {} is outside [0, 1] (fractions [{}])", f,
                 fmt::join(fractions, ", "));
    sum += f;
  }
  STRATA_CHECK(std::abs(sum - 1.0) <= 1e-6, "random_split: fractions [{}] add up to {}, not 1",
               fmt::join(fractions, ", "), sum);
  const int64_t n = dataset->size();
  std::vector<int64_t> lengths;
  int64_t assigned = 0;
  for (double f : fractions) {
    lengths.push_back(static_cast<int64_t>(std::floor(static_cast<double>(n) * f)));
    assigned += lengths.back();
  }
  // Rounding of fractions that add up to a hair over 1 can overshoot by one on huge sets: trim from the end.
  for (size_t i = lengths.size(); assigned > n && i-- > 0;) {
    const int64_t cut = std::min(lengths[i], assigned - n);
    lengths[i] -= cut;
    assigned -= cut;
  }
  // The remainder goes one by one to the first subsets, as PyTorch does.
  for (int64_t i = 0; assigned < n; ++i, ++assigned) ++lengths[static_cast<size_t>(i) % lengths.size()];
  return random_split(std::move(dataset), lengths, seed);
}

}  // namespace strata::data
