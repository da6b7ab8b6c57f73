#include "strata/data/image/augmented_dataset.h"

#include "data/shuffle.h"

namespace strata::data::image {

AugmentedDataset::AugmentedDataset(std::shared_ptr<const Dataset> dataset, RandomTransform transform,
                                   uint64_t seed)
    : dataset_(std::move(dataset)), transform_(std::move(transform)), seed_(seed) {
  STRATA_CHECK(dataset_ != nullptr, "AugmentedDataset: dataset is null");
  STRATA_CHECK(static_cast<bool>(transform_), "AugmentedDataset: transform is empty");
  // Value-initialised: every draw counter starts at 0.
  draws_ = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(dataset_->size()));
}

uint64_t AugmentedDataset::sample_seed(int64_t index, int64_t draw) const {
  using data::detail::mix64;
  return mix64(mix64(mix64(seed_) ^ static_cast<uint64_t>(index)) ^ static_cast<uint64_t>(draw));
}

Example AugmentedDataset::get(int64_t index, int64_t epoch) const {
  STRATA_CHECK(index >= 0 && index < size(),
               "AugmentedDataset: index {} is out of range for a dataset of size {}", index, size());
  STRATA_CHECK(epoch >= 0, "AugmentedDataset: epoch must be non-negative, got {}", epoch);
  Example e = dataset_->get(index);
  Generator gen(sample_seed(index, epoch));
  e.input = transform_(e.input, gen);
  return e;
}

Example AugmentedDataset::get(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(),
               "AugmentedDataset: index {} is out of range for a dataset of size {}", index, size());
  const int64_t draw = draws_[static_cast<size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  return get(index, draw);
}

void AugmentedDataset::set_epoch(int64_t epoch) const {
  STRATA_CHECK(epoch >= 0, "AugmentedDataset: set_epoch expects a non-negative epoch, got {}", epoch);
  for (int64_t i = 0; i < size(); ++i) draws_[static_cast<size_t>(i)].store(epoch, std::memory_order_relaxed);
}

}  // namespace strata::data::image
