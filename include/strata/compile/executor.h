#pragma once
// The executor replays an optimised graph: kernels called directly in node order (no op dispatch, no
// autograd records), out-variant results written into the memory plan's arena, gradients written into
// the parameters' .grad() buffers, the optimiser's fused update last.
#include <vector>

#include "strata/compile/ir.h"
#include "strata/compile/memory_plan.h"
#include "strata/optim/optimizer.h"

namespace strata::compiler {

class Executor {
 public:
  // `optimizer` runs the graph's OptimizerStep (may be null for graphs without one).
  Executor(Graph graph, optim::Optimizer* optimizer);
  // Runs the graph on `inputs` (one per Graph::inputs; dim 0 is the batch) and returns its outputs.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  const Graph& graph() const { return graph_; }
  // The plan for the last batch size run (replanned, not retraced, when the batch size changes).
  const MemoryPlan& plan() const { return plan_; }

 private:
  void replan(int64_t batch);

  Graph graph_;
  optim::Optimizer* optimizer_;
  MemoryPlan plan_;
  Tensor arena_;
  std::vector<Tensor> slots_;         // the tensor of each value during a run
  std::vector<Tensor> arena_views_;   // the arena slice of each planned value
  std::vector<Tensor> grad_buffers_;  // persistent .grad() buffers, by parameter
  std::vector<Tensor> weight_t_;      // W^T views of Linear weights, by value id
  Tensor one_;                        // the loss's seed gradient
};

}  // namespace strata::compiler
