#pragma once
// The tracer: walks a module (a Sequential of supported layers, nested Sequentials flattened) on an
// example input and records its forward graph, and for a training step the cross-entropy loss, the
// backward graph (every op's backward rule as IR nodes, as AOT autograd does) and the optimiser step.
#include <string>

#include "strata/compile/ir.h"
#include "strata/nn/module.h"

namespace strata::compiler {

struct TraceResult {
  Graph graph;
  std::string unsupported;  // why the module cannot be compiled (empty when it can)
  bool ok() const { return unsupported.empty(); }
};

// The forward graph of `model` on inputs shaped like `example_input` (dim 0 symbolic): its output is the
// graph's one output.
TraceResult trace_forward(nn::Module& model, const Tensor& example_input);
// The joint graph of one training step: forward, mean cross-entropy against i64 class targets, backward
// into every trainable parameter's gradient, then (with `optimizer_step`) an OptimizerStep over those
// gradients. The graph's outputs: the loss, the logits, then (without `optimizer_step`) the gradients.
TraceResult trace_training_step(nn::Module& model, const Tensor& example_input, const Tensor& example_target,
                                bool optimizer_step = true);

}  // namespace strata::compiler
