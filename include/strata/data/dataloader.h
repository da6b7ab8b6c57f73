#pragma once
// DataLoader: batches of a dataset, optionally shuffled (seeded, per epoch), assembled by background
// worker threads with prefetch. The batch order for a seed and epoch is the same whatever the number of
// workers.
#include <functional>
#include <memory>
#include <vector>

#include "strata/data/dataset.h"
#include "strata/data/sampler.h"

namespace strata::data {

struct Batch {
  Tensor input;
  Tensor target;
  int64_t size() const { return input.defined() ? input.size(0) : 0; }
};

using Collate = std::function<Batch(const std::vector<Example>&)>;

// Stacks inputs and targets along a new first dim (targets of 0-dim tensors become [B]).
Batch default_collate(const std::vector<Example>& examples);

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  uint64_t seed = 0;     // the order of epoch e comes from (seed, e)
  bool drop_last = false;
  int num_workers = 0;   // 0: batches are built on the calling thread
  int prefetch = 2;      // batches in flight per worker
  Collate collate = default_collate;
  std::shared_ptr<const Sampler> sampler = nullptr;  // when set, each epoch's order (shuffle off)
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  class Iterator;
  // Starts an epoch: each begin() advances the epoch counter used for shuffling.
  Iterator begin();
  Iterator end();
  // Number of batches per epoch.
  int64_t size() const;
  // Sets the epoch the next begin() uses (for exact resume).
  void set_epoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  class Iterator {
   public:
    const Batch& operator*() const { return current_; }
    const Batch* operator->() const { return &current_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    friend class DataLoader;
    Iterator(DataLoader* loader, int64_t index);
    DataLoader* loader_;
    int64_t index_;
    Batch current_;
  };

 private:
  struct Impl;
  Batch fetch(int64_t batch_index);
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::data
