// The tracer. It walks modules rather than intercepting ops: a Sequential's layers are known types whose
// forward is one op each, so each becomes one IR node with its attributes read from the layer, and the
// example forward (run once without recording) gives every intermediate shape exactly (padding modes,
// ceil_mode). Backward nodes are emitted for every differentiable operand, the input included;
// dead-code elimination drops what nobody reads.
#include "strata/compile/tracer.h"

#include <fmt/format.h>

#include "strata/autograd/grad_mode.h"
#include "strata/core/autocast.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/pooling.h"

namespace strata::compiler {
namespace {

// Flattens nested Sequentials into their leaf layers.
void collect_layers(const std::shared_ptr<nn::Module>& m, std::vector<std::shared_ptr<nn::Module>>& out) {
  if (dynamic_cast<nn::SequentialImpl*>(m.get())) {
    for (const auto& [name, child] : m->named_children()) collect_layers(child, out);
  } else {
    out.push_back(m);
  }
}

// What the backward walk needs about one forward node.
struct Record {
  OpKind op;
  int x = -1, y = -1;          // the layer's input and output values
  int weight = -1, bias = -1;  // parameter values (Linear, Conv2d)
  int workspace = -1;          // MaxPool2d
  Attrs attrs;
  std::string label;
};

class Tracer {
 public:
  Tracer(nn::Module& model, const Tensor& input) : model_(model), input_(input) {}

  // Records the forward; returns the output value (-1 and sets result.unsupported on failure).
  int forward(TraceResult& r) {
    Graph& g = r.graph;
    if (autocast_enabled()) {
      r.unsupported = "autocast is on (the compiler traces f32/f64 graphs)";
      return -1;
    }
    if (input_.dtype() != kFloat32 && input_.dtype() != kFloat64) {
      r.unsupported =
          fmt::format("input dtype {} (the compiler traces f32/f64 inputs)", dtype_name(input_.dtype()));
      return -1;
    }
    if (!input_.device().is_cpu()) {
      r.unsupported = fmt::format("input on {} (the compiler targets the CPU)", input_.device().str());
      return -1;
    }
    if (input_.dim() < 1) {
      r.unsupported = "a 0-dim input has no batch dimension";
      return -1;
    }
    std::vector<std::shared_ptr<nn::Module>> layers;
    std::shared_ptr<nn::Module> root(std::shared_ptr<nn::Module>{}, &model_);  // non-owning
    collect_layers(root, layers);
    // Parameter names as the model knows them, for printing.
    std::unordered_map<const TensorImpl*, std::string> names;
    for (const auto& [name, p] : model_.named_parameters()) names[p.impl()] = name;

    int x = g.add_value(ValueKind::Input, input_.shape(), input_.dtype(), true, "input");
    g.inputs.push_back(x);
    const autograd::NoGradGuard no_grad;
    Tensor cur = input_;
    for (size_t i = 0; i < layers.size(); ++i) {
      nn::Module* m = layers[i].get();
      const std::string label = fmt::format("{}: {}", i, m->type_name());
      Tensor next = m->forward(cur);  // the example forward: exact output shapes
      if (!next.defined() || next.dim() < 1 || next.size(0) != cur.size(0)) {
        r.unsupported = fmt::format("{} changes the batch dimension", label);
        return -1;
      }
      Record rec;
      rec.x = x;
      rec.label = label;
      auto param = [&](const Tensor& p) {
        if (!p.defined()) return -1;
        for (size_t k = 0; k < g.parameters.size(); ++k)
          if (g.parameters[k].is_same(p)) return param_values_[k];
        const int v = g.add_value(ValueKind::Parameter, p.shape(), p.dtype(), false, names[p.impl()]);
        g.values[v].param_index = static_cast<int>(g.parameters.size());
        g.parameters.push_back(p);
        g.parameter_names.push_back(names[p.impl()]);
        param_values_.push_back(v);
        return v;
      };
      const int y = g.add_value(ValueKind::Temporary, next.shape(), next.dtype(), true);
      if (auto* lin = dynamic_cast<nn::LinearImpl*>(m)) {
        if (cur.dim() != 2) {
          r.unsupported =
              fmt::format("{} on a {}-D input (the compiler handles [N, features])", label, cur.dim());
          return -1;
        }
        rec.op = OpKind::Linear;
        rec.weight = param(lin->weight);
        rec.bias = param(lin->bias);
        g.add_node(OpKind::Linear, {x, rec.weight, rec.bias}, {y}, {}, label);
      } else if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(m)) {
        if (cur.dim() != 4) {
          r.unsupported =
              fmt::format("{} on a {}-D input (the compiler handles [N, C, H, W])", label, cur.dim());
          return -1;
        }
        rec.op = OpKind::Conv2d;
        rec.weight = param(conv->weight);
        rec.bias = param(conv->bias);
        Attrs& a = rec.attrs;
        const auto& o = conv->options;
        a.stride = {o.stride.h, o.stride.w};
        a.dilation = {o.dilation.h, o.dilation.w};
        a.groups = o.groups;
        const int64_t kh = conv->weight.size(2), kw = conv->weight.size(3);
        const int64_t range_h = a.dilation[0] * (kh - 1) + 1, range_w = a.dilation[1] * (kw - 1) + 1;
        a.pad_begin = o.padding.same ? std::array<int64_t, 2>{(range_h - 1) / 2, (range_w - 1) / 2}
                                     : std::array<int64_t, 2>{o.padding.h, o.padding.w};
        // The exact end padding that gives the example's output size.
        a.pad_end = {(next.size(2) - 1) * a.stride[0] + range_h - cur.size(2) - a.pad_begin[0],
                     (next.size(3) - 1) * a.stride[1] + range_w - cur.size(3) - a.pad_begin[1]};
        g.add_node(OpKind::Conv2d, {x, rec.weight, rec.bias}, {y}, a, label);
      } else if (dynamic_cast<nn::ReLUImpl*>(m)) {
        rec.op = OpKind::Relu;
        g.add_node(OpKind::Relu, {x}, {y}, {}, label);
      } else if (auto* pool = dynamic_cast<nn::MaxPool2dImpl*>(m)) {
        if (cur.dim() != 4) {
          r.unsupported =
              fmt::format("{} on a {}-D input (the compiler handles [N, C, H, W])", label, cur.dim());
          return -1;
        }
        rec.op = OpKind::MaxPool2d;
        Attrs& a = rec.attrs;
        const auto& o = pool->options;
        const ops::Size2 stride = o.stride.h == 0 && o.stride.w == 0 ? pool->kernel_size : o.stride;
        a.kernel = {pool->kernel_size.h, pool->kernel_size.w};
        a.stride = {stride.h, stride.w};
        a.pad_begin = {o.padding.h, o.padding.w};
        a.out = {next.size(2), next.size(3)};
        rec.workspace = g.add_value(ValueKind::Temporary, {}, kUInt8, false);
        g.add_node(OpKind::MaxPool2d, {x}, {y, rec.workspace}, a, label);
      } else if (dynamic_cast<nn::FlattenImpl*>(m) || dynamic_cast<nn::IdentityImpl*>(m)) {
        rec.op = OpKind::Reshape;
        g.values[y].alias_of = x;
        g.add_node(OpKind::Reshape, {x}, {y}, {}, label);
      } else {
        r.unsupported = fmt::format("{} has no compiled form", label);
        return -1;
      }
      rec.y = y;
      records_.push_back(rec);
      cur = next;
      x = y;
    }
    return x;
  }

  // Records the loss, the backward and the optimiser step; returns the loss value.
  int training(TraceResult& r, int logits, const Tensor& target, bool optimizer_step) {
    Graph& g = r.graph;
    const Value lv = g.values[logits];
    if (lv.shape.size() != 2) {
      r.unsupported =
          fmt::format("the model's output has shape {} (cross-entropy needs [N, C] logits)", lv.shape.str());
      return -1;
    }
    if (target.dtype() != kInt64 || target.dim() != 1 || target.size(0) != lv.shape[0]) {
      r.unsupported =
          fmt::format("targets of shape {} and dtype {} (the compiler takes [N] i64 class indices)",
                      target.shape().str(), dtype_name(target.dtype()));
      return -1;
    }
    const int t = g.add_value(ValueKind::Input, target.shape(), kInt64, true, "target");
    g.inputs.push_back(t);
    const int loss = g.add_value(ValueKind::Temporary, {}, lv.dtype, false, "loss");
    const int lse = g.add_value(ValueKind::Temporary, {lv.shape[0]}, lv.dtype, true);
    g.add_node(OpKind::CrossEntropy, {logits, t}, {loss, lse}, {}, "loss");
    int grad = g.add_value(ValueKind::Temporary, lv.shape, lv.dtype, true);
    g.add_node(OpKind::CrossEntropyBackward, {logits, t, lse}, {grad}, {}, "loss");
    std::vector<int> grads;
    auto grad_value = [&](int param) {
      const Value& p = g.values[param];
      const int v = g.add_value(ValueKind::Gradient, p.shape, p.dtype, false, p.name + ".grad");
      g.values[v].param_index = p.param_index;
      grads.push_back(v);
      return v;
    };
    auto trainable = [&](int param) {
      return param >= 0 && g.parameters[g.values[param].param_index].requires_grad();
    };
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      const Record& rec = *it;
      const Value& xv = g.values[rec.x];
      const int gx = g.add_value(ValueKind::Temporary, xv.shape, xv.dtype, true);
      const std::string label = rec.label + " backward";
      switch (rec.op) {
        case OpKind::Linear:
          g.add_node(OpKind::LinearBackwardInput, {grad, rec.weight}, {gx}, {}, label);
          if (trainable(rec.weight))
            g.add_node(OpKind::LinearBackwardWeight, {grad, rec.x}, {grad_value(rec.weight)}, {}, label);
          if (trainable(rec.bias))
            g.add_node(OpKind::BiasBackward, {grad}, {grad_value(rec.bias)}, {}, label);
          break;
        case OpKind::Conv2d: {
          g.add_node(OpKind::Conv2dBackwardInput, {grad, rec.weight}, {gx}, rec.attrs, label);
          if (trainable(rec.weight) || trainable(rec.bias)) {
            // One kernel gives both weight and bias gradients; an untrainable one is computed and dropped.
            std::vector<int> outs{
                trainable(rec.weight)
                    ? grad_value(rec.weight)
                    : g.add_value(ValueKind::Temporary, g.values[rec.weight].shape, xv.dtype, false)};
            if (rec.bias >= 0)
              outs.push_back(trainable(rec.bias) ? grad_value(rec.bias)
                                                 : g.add_value(ValueKind::Temporary, g.values[rec.bias].shape,
                                                               xv.dtype, false));
            g.add_node(OpKind::Conv2dBackwardWeight, {grad, rec.x}, outs, rec.attrs, label);
          }
          break;
        }
        case OpKind::Relu:
          g.add_node(OpKind::ReluBackward, {grad, rec.y}, {gx}, {}, label);
          break;
        case OpKind::MaxPool2d:
          g.add_node(OpKind::MaxPool2dBackward, {grad, rec.x, rec.workspace}, {gx}, rec.attrs, label);
          break;
        case OpKind::Reshape:
          g.values[gx].alias_of = grad;
          g.add_node(OpKind::Reshape, {grad}, {gx}, {}, label);
          break;
        default:
          break;
      }
      grad = gx;
    }
    if (optimizer_step) {
      g.add_node(OpKind::OptimizerStep, grads, {}, {}, "optimizer");
    } else {
      gradients_ = grads;  // read by the caller: graph outputs after the loss and logits
    }
    return loss;
  }

 private:
  nn::Module& model_;
  Tensor input_;
  std::vector<Record> records_;
  std::vector<int> param_values_;

 public:
  std::vector<int> gradients_;
};

}  // namespace

TraceResult trace_forward(nn::Module& model, const Tensor& example_input) {
  TraceResult r;
  Tracer t(model, example_input);
  const int out = t.forward(r);
  if (out >= 0) r.graph.outputs = {out};
  return r;
}

TraceResult trace_training_step(nn::Module& model, const Tensor& example_input, const Tensor& example_target,
                                bool optimizer_step) {
  TraceResult r;
  Tracer t(model, example_input);
  const int logits = t.forward(r);
  if (logits < 0) return r;
  const int loss = t.training(r, logits, example_target, optimizer_step);
  if (loss >= 0) {
    r.graph.outputs = {loss, logits};
    r.graph.outputs.insert(r.graph.outputs.end(), t.gradients_.begin(), t.gradients_.end());
  }
  return r;
}

}  // namespace strata::compiler
