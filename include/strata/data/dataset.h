#pragma once
// Datasets: random access to (input, target) examples.
#include <functional>
#include <memory>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data {

struct Example {
  Tensor input;
  Tensor target;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The example at `index` in [0, size()); throws naming the index and size otherwise. Must be safe to
  // call from several threads at once (DataLoader workers).
  virtual Example get(int64_t index) const = 0;
  // Called by DataLoader before it reads the examples of an epoch. Datasets whose examples depend on the
  // epoch (random augmentation) override it so a resumed run sees exactly what an uninterrupted one would;
  // wrappers pass it on to the dataset they wrap.
  virtual void set_epoch(int64_t /*epoch*/) const {}
};

// Rows of an input tensor and a target tensor (same first dim).
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets);
  int64_t size() const override;
  Example get(int64_t index) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
};

// The examples of `dataset` at `indices`.
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  void set_epoch(int64_t epoch) const override { dataset_->set_epoch(epoch); }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::vector<int64_t> indices_;
};

// Applies `transform` to each example's input (e.g. Normalize, augmentation).
class TransformDataset : public Dataset {
 public:
  using Transform = std::function<Tensor(const Tensor&)>;
  TransformDataset(std::shared_ptr<const Dataset> dataset, Transform transform);
  int64_t size() const override { return dataset_->size(); }
  Example get(int64_t index) const override;
  void set_epoch(int64_t epoch) const override { dataset_->set_epoch(epoch); }

 private:
  std::shared_ptr<const Dataset> dataset_;
  Transform transform_;
};

// Splits into disjoint random subsets of the given lengths (which must add up to the size), seeded.
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<int64_t>& lengths, uint64_t seed);
// Same with fractions that add up to 1 (remainders go to the first subsets, as PyTorch).
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double>& fractions, uint64_t seed);

}  // namespace strata::data
