#include "strata/autograd/node.h"

#include "strata/autograd/grad_mode.h"

namespace strata::autograd {

Grads Node::apply(const Tensor& grad_output) {
  STRATA_CHECK(fn_,
               "backward through {} a second time: the graph was freed by the first backward; "
               "pass retain_graph=true to the first call",
               name_);
  for (const SavedVersion& v : versions_) {
    STRATA_CHECK(v.storage->version() == v.version,
                 "backward of {}: an input it needs was modified by an in-place operation after the op ran",
                 name_);
  }
  return fn_(grad_output);
}

void Node::release() {
  fn_ = nullptr;
  edges_.clear();
  versions_.clear();
}

void Node::add_input(const Tensor& t) {
  // Room for a typical op's inputs up front: one allocation per list instead of one per growth step.
  if (edges_.empty()) {
    edges_.reserve(4);
    versions_.reserve(4);
  }
  Edge e;
  if (t.defined()) {
    e.shape = t.shape();
    e.dtype = t.dtype();
    if (t.requires_grad()) {
      if (t.grad_fn()) {
        e.node = t.grad_fn();
      } else {
        e.leaf = t.impl_ptr();
      }
    }
    versions_.push_back({t.impl()->storage, t.storage().version()});
  }
  edges_.push_back(std::move(e));
}

namespace {

template <typename Range>
bool any_requires_grad(const Range& inputs) {
  if (!grad_mode_enabled()) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

template <typename Range>
Tensor record_impl(const char* name, Tensor out, const Range& inputs, BackwardFn fn) {
  if (!any_requires_grad(inputs)) return out;
  auto node = std::make_shared<Node>(name, std::move(fn));
  for (const Tensor& t : inputs) node->add_input(t);
  // An op's output may be a view sharing the input's TensorImpl storage but never the impl itself.
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
  return out;
}

}  // namespace

Tensor record_node(const char* name, Tensor out, std::initializer_list<Tensor> inputs, BackwardFn fn) {
  return record_impl(name, std::move(out), inputs, std::move(fn));
}

Tensor record_node(const char* name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn fn) {
  return record_impl(name, std::move(out), inputs, std::move(fn));
}

bool needs_grad(std::initializer_list<Tensor> inputs) { return any_requires_grad(inputs); }
bool needs_grad(const std::vector<Tensor>& inputs) { return any_requires_grad(inputs); }

}  // namespace strata::autograd
