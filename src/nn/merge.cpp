#include "strata/nn/merge.h"

#include "strata/core/error.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"

namespace strata::nn {
namespace {

std::string shapes(const std::vector<Tensor>& inputs) {
  std::string s;
  for (const auto& t : inputs) s += (s.empty() ? "" : " and ") + t.shape().str();
  return s;
}

void check_same_shapes(const char* what, const std::vector<Tensor>& inputs) {
  STRATA_CHECK(inputs.size() >= 2, "{}: needs at least 2 inputs, got {}", what, inputs.size());
  for (const auto& t : inputs) {
    STRATA_CHECK(t.shape() == inputs[0].shape(), "{}: inputs must have the same shape, got {}", what,
                 shapes(inputs));
  }
}

}  // namespace

Tensor MergeImpl::forward(const Tensor&) {
  STRATA_FAIL("{}: merges several inputs; give it two or more (a graph node's `from` list)", type_name());
}

Tensor AddImpl::forward(const std::vector<Tensor>& inputs) {
  check_same_shapes("Add", inputs);
  Tensor out = ops::add(inputs[0], inputs[1]);
  for (size_t i = 2; i < inputs.size(); ++i) out = ops::add(out, inputs[i]);
  return out;
}

Tensor MulImpl::forward(const std::vector<Tensor>& inputs) {
  check_same_shapes("Mul", inputs);
  Tensor out = ops::mul(inputs[0], inputs[1]);
  for (size_t i = 2; i < inputs.size(); ++i) out = ops::mul(out, inputs[i]);
  return out;
}

Tensor ConcatImpl::forward(const std::vector<Tensor>& inputs) {
  STRATA_CHECK(inputs.size() >= 2, "Concat: needs at least 2 inputs, got {}", inputs.size());
  const auto rank = static_cast<int64_t>(inputs[0].dim());
  const int64_t d = dim < 0 ? dim + rank : dim;
  STRATA_CHECK(d >= 0 && d < rank, "Concat: dim {} is out of range for inputs of rank {}", dim, rank);
  for (const auto& t : inputs) {
    bool ok = static_cast<int64_t>(t.dim()) == rank;
    for (int64_t i = 0; ok && i < rank; ++i) ok = i == d || t.size(i) == inputs[0].size(i);
    STRATA_CHECK(ok, "Concat: inputs must agree in every dimension but {}, got {}", d, shapes(inputs));
  }
  return ops::cat(inputs, d);
}

std::string ConcatImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

}  // namespace strata::nn
