#pragma once
// Merges: modules that combine several inputs into one, the joins of an nn::Graph (a residual `add`, a
// gate's `mul`, a `concat` of branches). Unlike broadcasting ops they require their inputs to agree, so a
// graph that joins the wrong nodes fails with both shapes named.
#include <vector>

#include "strata/nn/module.h"

namespace strata::nn {

class MergeImpl : public Module {
 public:
  using Module::Module;
  // Combines two or more inputs.
  virtual Tensor forward(const std::vector<Tensor>& inputs) = 0;
  // A merge needs several inputs: the single-input forward throws.
  Tensor forward(const Tensor& input) override;
};

// The elementwise sum of inputs of one shape.
class AddImpl : public MergeImpl {
 public:
  AddImpl() : MergeImpl("Add") {}
  using MergeImpl::forward;
  Tensor forward(const std::vector<Tensor>& inputs) override;
};
STRATA_MODULE_HOLDER(Add);

// The elementwise product of inputs of one shape.
class MulImpl : public MergeImpl {
 public:
  MulImpl() : MergeImpl("Mul") {}
  using MergeImpl::forward;
  Tensor forward(const std::vector<Tensor>& inputs) override;
};
STRATA_MODULE_HOLDER(Mul);

// Inputs joined along `dim` (every other dimension equal).
class ConcatImpl : public MergeImpl {
 public:
  explicit ConcatImpl(int64_t dim = 1) : MergeImpl("Concat"), dim(dim) {}
  using MergeImpl::forward;
  Tensor forward(const std::vector<Tensor>& inputs) override;
  std::string extra_repr() const override;
  int64_t dim;
};
STRATA_MODULE_HOLDER(Concat);

}  // namespace strata::nn
