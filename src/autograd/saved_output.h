#pragma once
// Saving an op's own output for its backward (exp, sigmoid, tanh, ...), as PyTorch's SavedVariable does.
// Capturing the output itself would make a cycle (output -> node -> closure -> output) that leaks when no
// backward runs, and capturing a detached copy would cut double backward. So the closure holds the data
// and a weak link to the node, and reattaches the two while a create_graph backward runs.
#include <memory>
#include <utility>

#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/ops/view.h"

namespace strata::autograd {

class SavedOutput {
 public:
  SavedOutput() = default;
  // Keeps the data of `out`, the op's output before recording.
  explicit SavedOutput(const Tensor& out) : data_(ops::detach(out)), version_(out.storage().version()) {}

  // Links to the node that recorded `result` (the output record() returned); a no-op when none did.
  void bind(const Tensor& result) {
    node_ = result.grad_fn();
    if (result.grad_fn()) op_ = result.grad_fn()->name();
  }

  // Both steps at once, for an output that is already recorded.
  void save(const Tensor& out) {
    *this = SavedOutput(out);
    bind(out);
  }

  // The saved values; inside a create_graph backward they carry the op's node, so gradients of the
  // backward flow through the output to the op's inputs.
  Tensor get() const {
    STRATA_CHECK(data_.storage().version() == version_,
                 "backward of {}: its output was modified by an in-place operation after the op ran", op_);
    if (!autograd::grad_mode_enabled()) return data_;
    std::shared_ptr<autograd::Node> node = node_.lock();
    if (!node) return data_;
    Tensor r = ops::detach(data_);
    r.impl()->requires_grad = true;
    r.impl()->grad_fn = std::move(node);
    return r;
  }

 private:
  Tensor data_;
  std::weak_ptr<autograd::Node> node_;
  uint64_t version_ = 0;
  const char* op_ = "an op";
};

// Like autograd::record, for backward rules written with the output: fn(grad, saved output).
template <typename F>
Tensor record_with_output(const char* name, Tensor out, std::initializer_list<Tensor> inputs, F fn) {
  if (!autograd::needs_grad(inputs)) return out;
  auto saved = std::make_shared<SavedOutput>();
  out = autograd::record(name, std::move(out), inputs,
                         [saved, fn = std::move(fn)](const Tensor& g) { return fn(g, saved->get()); });
  saved->save(out);
  return out;
}

}  // namespace strata::autograd
