#pragma once
// AugmentedDataset: applies a RandomTransform to each example's input with a generator of its own, seeded
// from (seed, index, draw), where draw counts how many times that index has been read. A DataLoader reads
// every index once per epoch, so draw is the epoch: augmentation is the same for a seed whatever the number
// of workers or their timing, and differs between samples and between epochs. The DataLoader calls
// set_epoch() at the start of each epoch, which pins the draw counters to it, so a resumed run (or one whose
// indices were also read elsewhere) draws what an uninterrupted one would; get(index, epoch) reads one
// example without touching them (previews, tests).
#include <atomic>
#include <memory>
#include <vector>

#include "strata/data/dataset.h"
#include "strata/data/image/transforms.h"

namespace strata::data::image {

class AugmentedDataset : public Dataset {
 public:
  AugmentedDataset(std::shared_ptr<const Dataset> dataset, RandomTransform transform, uint64_t seed);
  int64_t size() const override { return dataset_->size(); }
  // The example with its input transformed by the generator of (seed, index, draw); draw then advances.
  Example get(int64_t index) const override;
  // The example as the draw for `epoch` transforms it (no counter changes).
  Example get(int64_t index, int64_t epoch) const;
  // Sets every draw counter to `epoch` (the DataLoader calls it at the start of each epoch).
  void set_epoch(int64_t epoch) const override;
  // The generator seed of (seed, index, draw).
  uint64_t sample_seed(int64_t index, int64_t draw) const;
  const Dataset& base() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  RandomTransform transform_;
  uint64_t seed_;
  std::unique_ptr<std::atomic<int64_t>[]> draws_;
};

}  // namespace strata::data::image
