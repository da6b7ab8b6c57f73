#pragma once
// A node of the dynamic graph: the backward rule of one op application and edges to its inputs.
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::autograd {

// Gradients for each input of an op, in input order; an undefined Tensor means "no gradient".
using Grads = std::vector<Tensor>;
// Maps the gradient of an op's output to gradients of its inputs. Written with ops, so it runs on
// every device and can itself be differentiated.
using BackwardFn = std::function<Grads(const Tensor& grad_output)>;

struct Edge {
  std::shared_ptr<Node> node;     // producer of a non-leaf input
  IntrusivePtr<TensorImpl> leaf;  // a leaf input that requires grad
  Shape shape;                    // the input's shape, to check returned gradients
  Dtype dtype = kFloat32;
  bool defined() const { return node || leaf; }
};

struct SavedVersion {
  IntrusivePtr<Storage> storage;
  uint64_t version;
};

class Node {
 public:
  Node(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}

  const char* name() const { return name_; }
  const std::vector<Edge>& edges() const { return edges_; }
  bool released() const { return !fn_; }

  // Runs the backward rule; throws if the graph was freed or a saved input changed in place.
  Grads apply(const Tensor& grad_output);
  // Frees the closure and edges (after a backward without retain_graph).
  void release();
  // Adds an edge for the next input (undefined tensors get an empty edge) and remembers its version.
  void add_input(const Tensor& input);

 private:
  const char* name_;
  BackwardFn fn_;
  std::vector<Edge> edges_;
  std::vector<SavedVersion> versions_;
};

// True when recording `inputs` would create a node.
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Creates the node for `out` (callers checked needs_grad); see record().
Tensor record_node(const char* name, Tensor out, std::initializer_list<Tensor> inputs, BackwardFn fn);
Tensor record_node(const char* name, Tensor out, const std::vector<Tensor>& inputs, BackwardFn fn);

// Records `out` as the result of op `name` applied to `inputs` when grad mode is on and an input
// requires grad; returns `out` (now carrying a grad_fn). `fn` maps d(out) to d(inputs). A template so
// that no std::function is built (and no closure allocated) when nothing is recorded.
template <typename Fn>
Tensor record(const char* name, Tensor out, std::initializer_list<Tensor> inputs, Fn&& fn) {
  if (!needs_grad(inputs)) return out;
  return record_node(name, std::move(out), inputs, BackwardFn(std::forward<Fn>(fn)));
}
// Same for ops with a variable number of inputs (cat, stack).
template <typename Fn>
Tensor record(const char* name, Tensor out, const std::vector<Tensor>& inputs, Fn&& fn) {
  if (!needs_grad(inputs)) return out;
  return record_node(name, std::move(out), inputs, BackwardFn(std::forward<Fn>(fn)));
}

}  // namespace strata::autograd
