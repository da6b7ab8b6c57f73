#include "strata/nn/graph_pooling.h"

#include <algorithm>

#include "strata/ops/sparse.h"

namespace strata::nn {
namespace {

Tensor pool(const Tensor& x, const Tensor& batch, int64_t size, ops::Reduce reduce, const char* op) {
  STRATA_CHECK(x.defined() && x.dim() >= 1, "{}: x must have a node dim", op);
  STRATA_CHECK(batch.defined() && batch.dtype() == kInt64 && batch.dim() == 1 && batch.size(0) == x.size(0),
               "{}: batch must be i64 [{}] (one graph id per node of x {}), got {}", op, x.size(0),
               x.shape().str(), batch.defined() ? batch.shape().str() : std::string("undefined"));
  if (size < 0) {
    const auto ids = batch.contiguous().to_vector<int64_t>();
    size = ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end()) + 1;
  }
  return ops::scatter_reduce(x, batch, size, reduce);
}

}  // namespace

Tensor global_add_pool(const Tensor& x, const Tensor& batch, int64_t size) {
  return pool(x, batch, size, ops::Reduce::Sum, "global_add_pool");
}

Tensor global_mean_pool(const Tensor& x, const Tensor& batch, int64_t size) {
  return pool(x, batch, size, ops::Reduce::Mean, "global_mean_pool");
}

Tensor global_max_pool(const Tensor& x, const Tensor& batch, int64_t size) {
  return pool(x, batch, size, ops::Reduce::Max, "global_max_pool");
}

}  // namespace strata::nn
