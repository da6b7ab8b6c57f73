#pragma once
// Three Gaussian blobs in 2-D (centres (2, 0), (-1, 1.7), (-1, -1.7), sd 0.4) with their class labels: a
// small classification set the training tests learn to near 100% in a few epochs.
#include <memory>

#include "strata/core/factory.h"
#include "strata/data.h"
#include "strata/ops.h"
#include "strata/strata.h"

namespace strata::testing {

inline std::shared_ptr<data::TensorDataset> blobs(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor labels = randint(0, 3, {n}, {.dtype = kInt64}, &g);
  Tensor centers = from_vector<float>({2, 0, -1, 1.7f, -1, -1.7f}, {3, 2});
  Tensor x = ops::index_select(centers, 0, labels) + randn({n, 2}, {}, &g) * 0.4;
  return std::make_shared<data::TensorDataset>(x, labels);
}

}  // namespace strata::testing
