#pragma once
// The backward engine: reverse topological walk from a root, accumulating into leaves' .grad().
#include "strata/core/tensor.h"

namespace strata::autograd {

// Backpropagates `gradient` (ones for a one-element root when undefined) from `root`.
// Frees the graph unless retain_graph; records the backward itself when create_graph.
void backward(const Tensor& root, const Tensor& gradient = {}, bool retain_graph = false,
              bool create_graph = false);

// Gradients of `output` with respect to `inputs` (returned, not accumulated), like torch.autograd.grad.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& gradient = {},
                         bool retain_graph = false, bool create_graph = false);

}  // namespace strata::autograd
