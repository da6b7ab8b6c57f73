#pragma once
// strata::compile: trace a module into the compiler's IR, optimise it (simplification, CSE, DCE, post-op
// and in-place fusion), plan its memory and replay it without per-op dispatch or autograd bookkeeping.
// Guards (input dtype and trailing shape, target dtype, module mode, autocast) retrace when they change;
// the batch dim is symbolic (a new batch size replans the arena, it does not retrace). A module the
// compiler cannot trace runs eagerly, with a one-line notice saying why.
#include <memory>
#include <string>

#include "strata/compile/executor.h"
#include "strata/compile/passes.h"
#include "strata/compile/tracer.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"

namespace strata::compiler {

struct CompileOptions {
  bool optimize = true;  // run the graph passes (off: replay the traced graph as is)
  bool notify = true;    // print the one-line fallback notice to stderr
  // Training steps: run the optimiser's step inside the compiled step (off: the step ends with the
  // gradients in .grad(), for callers that clip or inspect them before stepping themselves).
  bool optimizer_step = true;
};

// The state a guard compares: what a traced graph assumed about its inputs and module.
struct GuardKey {
  Dtype input_dtype = kFloat32;
  Shape input_tail;  // the input's shape without its batch dim
  Dtype target_dtype = kInt64;
  bool training = true;
  bool autocast = false;
  bool operator==(const GuardKey&) const = default;
};

// A traced, optimised graph with its executor, and what the passes reported.
struct CompiledGraph {
  std::string before;  // the traced graph, printed
  PassReport report;
  std::unique_ptr<Executor> executor;
  GuardKey key;
  double compile_ms = 0;  // passes and executor set-up (the trace's example forward not included)
};

// A compiled training step: cross-entropy on the module's [N, C] output, backward, optimiser step.
class CompiledTrainingStep {
 public:
  CompiledTrainingStep(nn::Module& model, optim::Optimizer& optimizer, CompileOptions options = {});
  // One step on (input, i64 targets): the gradients are overwritten (as after zero_grad + backward),
  // the optimiser steps (unless options.optimizer_step is off); returns the 0-dim mean loss.
  Tensor step(const Tensor& input, const Tensor& target);
  // The model's output (logits) of the last step; valid until the next step.
  const Tensor& output() const { return output_; }
  // True when the last step ran compiled (false: it fell back to eager).
  bool compiled() const { return graph_ != nullptr && graph_->executor != nullptr; }
  // Why the module runs eagerly (empty when it compiles).
  const std::string& fallback_reason() const { return fallback_; }
  // How many times the step was traced (1 after the first step; guards failing add more).
  int traces() const { return traces_; }
  // The graph before and after the passes, the fusion groups and the memory plan (after a step).
  std::string explain() const;

 private:
  nn::Module& model_;
  optim::Optimizer& optimizer_;
  CompileOptions options_;
  std::unique_ptr<CompiledGraph> graph_;
  std::string fallback_;
  GuardKey fallback_key_;
  bool has_fallback_key_ = false;
  int traces_ = 0;
  Tensor output_;
};

// A compiled forward (inference: nothing recorded). Built by strata::compile.
class CompiledModule {
 public:
  CompiledModule(nn::Module& model, CompileOptions options = {});
  // The module's output on `input` (compiled when traceable, else the module's own forward).
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  bool compiled() const { return graph_ != nullptr && graph_->executor != nullptr; }
  const std::string& fallback_reason() const { return fallback_; }
  int traces() const { return traces_; }
  std::string explain() const;

 private:
  nn::Module& model_;
  CompileOptions options_;
  std::unique_ptr<CompiledGraph> graph_;
  std::string fallback_;
  GuardKey fallback_key_;
  bool has_fallback_key_ = false;
  int traces_ = 0;
};

}  // namespace strata::compiler

namespace strata {
// Compiles `module`'s forward, traced on `example_input` (the first call traces when it is undefined).
compiler::CompiledModule compile(nn::Module& module, const Tensor& example_input = {},
                                 compiler::CompileOptions options = {});
}  // namespace strata
