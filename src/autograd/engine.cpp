// The backward engine: collects the graph reachable from the root, then runs each node once all of
// its consumers have contributed to its gradient (reverse topological order).
#include "strata/autograd/engine.h"

#include <optional>
#include <unordered_map>
#include <vector>

#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"

namespace strata::autograd {
namespace {

Tensor accumulate(const Tensor& acc, const Tensor& g) { return acc.defined() ? ops::add(acc, g) : g; }

Tensor root_gradient(const Tensor& root, const Tensor& gradient) {
  if (gradient.defined()) {
    STRATA_CHECK(gradient.shape() == root.shape(), "backward: gradient of shape {} for an output of shape {}",
                 gradient.shape().str(), root.shape().str());
    return gradient.dtype() == root.dtype() ? gradient : gradient.to(root.dtype());
  }
  STRATA_CHECK(root.numel() == 1,
               "backward: a gradient can be created implicitly only for one-element outputs; this output has "
               "shape {}, so pass a gradient",
               root.shape().str());
  return ones_like(root);
}

// Runs the graph below `root`. Leaf gradients go to `sink` (leaf impl, gradient).
template <typename Sink>
void run(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph, Sink sink) {
  STRATA_CHECK(root.defined(), "backward: tensor is undefined");
  STRATA_CHECK(root.requires_grad(),
               "backward: tensor does not require grad and has no grad_fn (no input of the ops that made it "
               "requires grad, or it was computed under NoGradGuard)");
  std::optional<NoGradGuard> no_grad;
  std::optional<EnableGradGuard> enable_grad;
  if (create_graph) {
    enable_grad.emplace();
  } else {
    no_grad.emplace();
  }
  const Tensor g0 = root_gradient(root, gradient);
  if (!root.grad_fn()) {
    sink(root.impl(), g0);
    return;
  }

  // Count, for each node, how many edges from other nodes in the graph point at it.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack{root.grad_fn().get()};
  dependencies[root.grad_fn().get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    STRATA_CHECK(!n->released(),
                 "backward through {} a second time: the graph was freed by the first backward; pass "
                 "retain_graph=true to the first call",
                 n->name());
    for (const Edge& e : n->edges()) {
      if (!e.node) continue;
      auto [it, inserted] = dependencies.try_emplace(e.node.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(e.node.get());
    }
  }

  std::unordered_map<Node*, Tensor> grads;
  grads[root.grad_fn().get()] = g0;
  std::vector<std::shared_ptr<Node>> ready{root.grad_fn()};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor g = std::move(grads[node.get()]);
    grads.erase(node.get());
    const std::vector<Edge>& edges = node->edges();
    // A node no gradient reached still releases its inputs' dependency counts.
    Grads input_grads = g.defined() ? node->apply(g) : Grads(edges.size());
    STRATA_CHECK(input_grads.size() == edges.size(), "backward of {} returned {} gradients for {} inputs",
                 node->name(), input_grads.size(), edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.defined()) continue;
      Tensor& gi = input_grads[i];
      if (gi.defined()) {
        STRATA_CHECK(gi.shape() == e.shape,
                     "backward of {} returned a gradient of shape {} for input {} of shape {}", node->name(),
                     gi.shape().str(), i, e.shape.str());
        if (gi.dtype() != e.dtype) gi = gi.to(e.dtype);
      }
      if (e.leaf) {
        if (gi.defined()) sink(e.leaf.get(), gi);
        continue;
      }
      if (gi.defined()) grads[e.node.get()] = accumulate(grads[e.node.get()], gi);
      if (--dependencies[e.node.get()] == 0) ready.push_back(e.node);
    }
    if (!retain_graph) node->release();
  }
}

}  // namespace

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph) {
  run(root, gradient, retain_graph, create_graph, [create_graph](TensorImpl* leaf, const Tensor& g) {
    if (leaf->grad) {
      leaf->grad = ops::add(Tensor(leaf->grad), g).impl_ptr();
    } else if (create_graph) {
      leaf->grad = g.impl_ptr();
    } else {
      // Own the memory: a gradient may be a broadcast view or shared with the caller.
      const bool exclusive = g.is_contiguous() && g.storage().use_count() == 1 && g.impl()->use_count() == 1;
      leaf->grad = (exclusive ? g.detach() : g.detach().clone()).impl_ptr();
    }
  });
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& gradient,
                         bool retain_graph, bool create_graph) {
  std::unordered_map<TensorImpl*, Tensor> found;
  for (const Tensor& t : inputs) {
    STRATA_CHECK(t.requires_grad() && t.is_leaf(), "grad: inputs must be leaf tensors that require grad");
    found[t.impl()] = Tensor();
  }
  run(output, gradient, retain_graph, create_graph, [&](TensorImpl* leaf, const Tensor& g) {
    auto it = found.find(leaf);
    if (it != found.end()) it->second = it->second.defined() ? ops::add(it->second, g) : g;
  });
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    Tensor g = found[t.impl()];
    out.push_back(g.defined() ? g : zeros_like(t));
  }
  return out;
}

}  // namespace strata::autograd
