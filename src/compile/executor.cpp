// The executor. A run binds the inputs, then calls one kernel per node. Linear products and their input
// gradients use kernels::matmul_into (the ReLU post-op fused) into arena slices; ops whose kernels
// allocate their own results (convolution, pooling, cross-entropy) keep those; ReluBackward marked in
// place rewrites its gradient operand in one vectorised pass.
#include "strata/compile/executor.h"

#include <limits>

#include "kernels/activation.h"
#include "kernels/conv.h"
#include "kernels/cross_entropy.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "kernels/linalg.h"
#include "kernels/optim.h"
#include "kernels/pooling.h"
#include "kernels/reduce.h"
#include "strata/autograd/grad_mode.h"

namespace strata::compiler {
namespace {

kernels::Conv2dParams conv_params(const Attrs& a) {
  kernels::Conv2dParams p;
  p.stride = a.stride;
  p.pad_begin = a.pad_begin;
  p.pad_end = a.pad_end;
  p.dilation = a.dilation;
  p.groups = a.groups;
  return p;
}

kernels::Pool2dParams pool_params(const Attrs& a) {
  kernels::Pool2dParams p;
  p.kernel = a.kernel;
  p.stride = a.stride;
  p.pad = a.pad_begin;
  p.out = a.out;
  return p;
}

Tensor view_of(const Tensor& base, int64_t byte_offset, const Shape& shape, Dtype dtype) {
  return Tensor(make_intrusive<TensorImpl>(base.impl()->storage, shape, contiguous_strides(shape),
                                           byte_offset / static_cast<int64_t>(element_size(dtype)), dtype));
}

}  // namespace

Executor::Executor(Graph graph, optim::Optimizer* optimizer)
    : graph_(std::move(graph)), optimizer_(optimizer) {
  slots_.resize(graph_.values.size());
  weight_t_.resize(graph_.values.size());
  grad_buffers_.resize(graph_.parameters.size());
  for (const Node& n : graph_.nodes) {
    if (n.op != OpKind::Linear && n.op != OpKind::LinearBackwardInput) continue;
    if (n.op == OpKind::Linear) {
      const Tensor& w = graph_.parameters[graph_.values[n.inputs[1]].param_index];
      weight_t_[n.inputs[1]] =
          Tensor(make_intrusive<TensorImpl>(w.impl()->storage, Shape{w.shape()[1], w.shape()[0]},
                                            Strides{w.strides()[1], w.strides()[0]}, w.offset(), w.dtype()));
    }
  }
  for (const Value& v : graph_.values) {
    if (v.kind != ValueKind::Gradient) continue;
    const Tensor& p = graph_.parameters[v.param_index];
    if (!grad_buffers_[v.param_index].defined())
      grad_buffers_[v.param_index] = kernels::empty(p.shape(), p.dtype(), p.device());
  }
  for (const Value& v : graph_.values)
    if (v.kind == ValueKind::Input && v.dtype != kInt64) one_ = kernels::empty({}, v.dtype, Device());
  if (one_.defined()) kernels::fill(one_, 1.0);
}

void Executor::replan(int64_t batch) {
  plan_ = plan_memory(graph_, batch);
  arena_ = kernels::empty({std::max<int64_t>(plan_.arena_bytes, 1)}, kUInt8, Device());
  arena_views_.assign(graph_.values.size(), Tensor());
  for (size_t v = 0; v < graph_.values.size(); ++v)
    if (plan_.offset[v] >= 0)
      arena_views_[v] = view_of(arena_, plan_.offset[v], graph_.shape_at(static_cast<int>(v), batch),
                                graph_.values[v].dtype);
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& inputs) {
  const Graph& g = graph_;
  STRATA_CHECK(inputs.size() == g.inputs.size(), "compiled graph: expected {} inputs, got {}",
               g.inputs.size(), inputs.size());
  const int64_t batch = inputs[0].size(0);
  if (!arena_.defined() || plan_.batch != batch) replan(batch);
  const autograd::NoGradGuard no_grad;
  for (size_t i = 0; i < inputs.size(); ++i) slots_[g.inputs[i]] = inputs[i];
  for (size_t p = 0; p < g.parameters.size(); ++p)
    for (const Value& v : g.values)
      if (v.param_index == static_cast<int>(p) && v.kind == ValueKind::Parameter)
        slots_[v.id] = g.parameters[p];
  auto out = [&](int v) -> Tensor {
    if (arena_views_[v].defined()) return arena_views_[v];
    return kernels::empty(g.shape_at(v, batch), g.values[v].dtype, Device());
  };
  auto in = [&](const Node& n, size_t i) -> const Tensor& { return slots_[n.inputs[i]]; };
  auto opt = [&](const Node& n, size_t i) -> Tensor {
    return n.inputs[i] < 0 ? Tensor() : slots_[n.inputs[i]];
  };
  // A gradient value's result: the parameter's persistent buffer, handed to .grad().
  auto set_gradient = [&](int v, const Tensor& t) {
    const Value& val = g.values[v];
    if (val.kind != ValueKind::Gradient) {
      slots_[v] = t;
      return;
    }
    Tensor& buf = grad_buffers_[val.param_index];
    if (!t.is_same(buf)) kernels::copy(buf, t);
    Tensor p = g.parameters[val.param_index];
    if (!p.grad().is_same(buf)) p.set_grad(buf);
    slots_[v] = buf;
  };
  for (const Node& n : g.nodes) {
    switch (n.op) {
      case OpKind::Reshape:
        // A view when the strides allow (a channels-last result flattens through a copy).
        slots_[n.outputs[0]] = in(n, 0).reshape(g.shape_at(n.outputs[0], batch));
        break;
      case OpKind::Linear: {
        Tensor y = out(n.outputs[0]);
        kernels::matmul_into(in(n, 0), weight_t_[n.inputs[1]], opt(n, 2), y, n.attrs.relu);
        slots_[n.outputs[0]] = y;
        break;
      }
      case OpKind::Conv2d: {
        Tensor y = kernels::conv2d(in(n, 0), in(n, 1), opt(n, 2), conv_params(n.attrs));
        if (n.attrs.relu) {
          // The convolution's fresh result is rewritten in place (one pass, no second buffer). Its data
          // is dense even when its strides are channels-last.
          Tensor flat(make_intrusive<TensorImpl>(y.impl()->storage, Shape{y.numel()}, Strides{1}, y.offset(),
                                                 y.dtype()));
          kernels::clamp_(flat, 0.0, std::numeric_limits<double>::infinity());
        }
        slots_[n.outputs[0]] = y;
        break;
      }
      case OpKind::Relu:
        slots_[n.outputs[0]] = kernels::unary(kernels::UnaryOp::Relu, in(n, 0));
        break;
      case OpKind::MaxPool2d: {
        kernels::MaxPoolResult r = kernels::max_pool2d(in(n, 0), pool_params(n.attrs), true);
        slots_[n.outputs[0]] = r.out;
        slots_[n.outputs[1]] = r.workspace;
        break;
      }
      case OpKind::CrossEntropy: {
        const Tensor& logits = in(n, 0);
        const Tensor& target = in(n, 1);
        const int64_t classes = logits.size(1);
        const int64_t* t = target.data_ptr<int64_t>();
        const int64_t stride = target.stride(0);
        for (int64_t i = 0; i < target.size(0); ++i)
          STRATA_CHECK(t[i * stride] >= 0 && t[i * stride] < classes,
                       "cross_entropy: target {} at index {} is out of range for {} classes", t[i * stride],
                       i, classes);
        kernels::CrossEntropyForward f =
            kernels::cross_entropy(logits, target, true, 1.0 / static_cast<double>(batch));
        slots_[n.outputs[0]] = f.loss;
        slots_[n.outputs[1]] = f.lse;
        break;
      }
      case OpKind::CrossEntropyBackward:
        slots_[n.outputs[0]] = kernels::cross_entropy_backward(in(n, 0), in(n, 1), in(n, 2), one_,
                                                               1.0 / static_cast<double>(batch));
        break;
      case OpKind::LinearBackwardInput: {
        Tensor gx = out(n.outputs[0]);
        kernels::matmul_into(in(n, 0), in(n, 1), {}, gx, false);
        slots_[n.outputs[0]] = gx;
        break;
      }
      case OpKind::LinearBackwardWeight: {
        const int v = n.outputs[0];
        const Value& val = g.values[v];
        if (val.kind == ValueKind::Gradient) {
          kernels::matmul_into(in(n, 0).t(), in(n, 1), {}, grad_buffers_[val.param_index], false);
          set_gradient(v, grad_buffers_[val.param_index]);
        } else {
          set_gradient(v, kernels::matmul(in(n, 0).t(), in(n, 1), {}, in(n, 1).dtype()));
        }
        break;
      }
      case OpKind::BiasBackward:
        set_gradient(n.outputs[0], kernels::reduce(kernels::ReduceOp::Sum, in(n, 0), Shape{0}, false));
        break;
      case OpKind::ReluBackward: {
        const Tensor& grad = in(n, 0);
        const Tensor& y = in(n, 1);
        if (n.attrs.in_place && grad.strides() == y.strides()) {
          kernels::relu_backward_into(grad, y, grad);  // one vectorised pass over the dying gradient
          slots_[n.outputs[0]] = grad;
        } else {
          slots_[n.outputs[0]] = kernels::relu_backward(grad, y);
        }
        break;
      }
      case OpKind::Conv2dBackwardInput:
        slots_[n.outputs[0]] = kernels::conv2d_backward_data(
            in(n, 0), in(n, 1), g.shape_at(n.outputs[0], batch), conv_params(n.attrs));
        break;
      case OpKind::Conv2dBackwardWeight: {
        Tensor gb;
        const Tensor gw =
            kernels::conv2d_backward_weights(in(n, 0), in(n, 1), g.values[n.outputs[0]].shape,
                                             conv_params(n.attrs), n.outputs.size() > 1 ? &gb : nullptr);
        set_gradient(n.outputs[0], gw);
        if (n.outputs.size() > 1) set_gradient(n.outputs[1], gb);
        break;
      }
      case OpKind::Conv2dBackward: {
        Tensor gw;
        Tensor gb;
        slots_[n.outputs[0]] = kernels::conv2d_backward(in(n, 0), in(n, 1), in(n, 2), conv_params(n.attrs),
                                                        &gw, n.outputs.size() > 2 ? &gb : nullptr);
        set_gradient(n.outputs[1], gw);
        if (n.outputs.size() > 2) set_gradient(n.outputs[2], gb);
        break;
      }
      case OpKind::MaxPool2dBackward:
        slots_[n.outputs[0]] =
            kernels::max_pool2d_backward(in(n, 0), in(n, 1), in(n, 2), pool_params(n.attrs));
        break;
      case OpKind::OptimizerStep:
        STRATA_CHECK(optimizer_, "compiled graph: an OptimizerStep node but no optimiser");
        optimizer_->step();
        break;
    }
  }
  std::vector<Tensor> results;
  for (int o : g.outputs) results.push_back(slots_[o]);
  // Drop per-run references (inputs, kernel results) so the caller's tensors are not kept alive.
  for (Tensor& t : slots_) t = Tensor();
  return results;
}

}  // namespace strata::compiler
