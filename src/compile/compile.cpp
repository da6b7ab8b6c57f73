// strata::compile: guards, tracing on a guard miss, the eager fallback and the explain text.
#include "strata/compile/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "strata/core/autocast.h"
#include "strata/ops/loss.h"

namespace strata::compiler {
namespace {

GuardKey guard_key(const nn::Module& model, const Tensor& input, const Tensor& target) {
  GuardKey k;
  k.input_dtype = input.dtype();
  for (int64_t d = 1; d < input.dim(); ++d) k.input_tail.push_back(input.size(d));
  k.target_dtype = target.defined() ? target.dtype() : kInt64;
  k.training = model.is_training();
  k.autocast = autocast_enabled();
  return k;
}

std::unique_ptr<CompiledGraph> build(TraceResult&& t, const GuardKey& key, optim::Optimizer* optimizer,
                                     const CompileOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto c = std::make_unique<CompiledGraph>();
  c->key = key;
  c->before = t.graph.str();
  if (options.optimize) c->report = optimize(t.graph);
  c->executor = std::make_unique<Executor>(std::move(t.graph), optimizer);
  c->compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return c;
}

std::string explain_text(const CompiledGraph* c, const std::string& fallback) {
  if (!c) {
    return fallback.empty() ? std::string("not traced yet\n") : fmt::format("runs eagerly: {}\n", fallback);
  }
  const Graph& g = c->executor->graph();
  std::string s = fmt::format("compiled in {:.3f} ms ({} nodes before passes, {} after)\n", c->compile_ms,
                              std::count(c->before.begin(), c->before.end(), '\n'), g.nodes.size());
  s += "graph before passes:\n" + c->before;
  s += fmt::format("passes: {} simplified, {} merged (CSE), {} dead nodes removed\n", c->report.simplified,
                   c->report.common, c->report.dead);
  s += "graph after passes:\n" + g.str();
  s += fmt::format("fusion groups ({}):\n", c->report.fusion_groups.size());
  for (const auto& f : c->report.fusion_groups) s += "  " + f + "\n";
  const int64_t batch =
      c->executor->plan().batch > 0 ? c->executor->plan().batch : g.values[g.inputs[0]].shape[0];
  s += plan_memory(g, batch).str(g);
  return s;
}

void notice(const CompileOptions& options, const std::string& why) {
  if (options.notify) std::fprintf(stderr, "strata::compile: running eagerly: %s\n", why.c_str());
}

}  // namespace

CompiledTrainingStep::CompiledTrainingStep(nn::Module& model, optim::Optimizer& optimizer,
                                           CompileOptions options)
    : model_(model), optimizer_(optimizer), options_(options) {}

Tensor CompiledTrainingStep::step(const Tensor& input, const Tensor& target) {
  const GuardKey key = guard_key(model_, input, target);
  if (graph_ && !(graph_->key == key)) graph_.reset();  // a guard failed: retrace
  if (!graph_ && !(has_fallback_key_ && fallback_key_ == key)) {
    ++traces_;
    TraceResult t = trace_training_step(model_, input, target, options_.optimizer_step);
    if (t.ok()) {
      graph_ = build(std::move(t), key, options_.optimizer_step ? &optimizer_ : nullptr, options_);
      fallback_.clear();
    } else {
      fallback_ = t.unsupported;
      fallback_key_ = key;
      has_fallback_key_ = true;
      notice(options_, fallback_);
    }
  }
  if (graph_) {
    std::vector<Tensor> out = graph_->executor->run({input, target});
    output_ = out[1];
    return out[0];
  }
  optimizer_.zero_grad();
  output_ = model_.forward(input);
  Tensor loss = ops::cross_entropy(output_, target);
  loss.backward();
  if (options_.optimizer_step) optimizer_.step();
  output_ = output_.detach();
  return loss.detach();
}

std::string CompiledTrainingStep::explain() const { return explain_text(graph_.get(), fallback_); }

CompiledModule::CompiledModule(nn::Module& model, CompileOptions options)
    : model_(model), options_(options) {}

Tensor CompiledModule::forward(const Tensor& input) {
  const GuardKey key = guard_key(model_, input, {});
  if (graph_ && !(graph_->key == key)) graph_.reset();
  if (!graph_ && !(has_fallback_key_ && fallback_key_ == key)) {
    ++traces_;
    TraceResult t = trace_forward(model_, input);
    if (t.ok()) {
      graph_ = build(std::move(t), key, nullptr, options_);
      fallback_.clear();
    } else {
      fallback_ = t.unsupported;
      fallback_key_ = key;
      has_fallback_key_ = true;
      notice(options_, fallback_);
    }
  }
  if (graph_) return graph_->executor->run({input})[0];
  return model_.forward(input);
}

std::string CompiledModule::explain() const { return explain_text(graph_.get(), fallback_); }

}  // namespace strata::compiler

namespace strata {

compiler::CompiledModule compile(nn::Module& module, const Tensor& example_input,
                                 compiler::CompileOptions options) {
  compiler::CompiledModule m(module, options);
  if (example_input.defined()) m.forward(example_input);
  return m;
}

}  // namespace strata
