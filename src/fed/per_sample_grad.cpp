#include "strata/fed/per_sample_grad.h"

#include <map>

#include "kernels/conv.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"

namespace strata::fed {

Tensor unfold(const Tensor& x, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
              int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w) {
  STRATA_CHECK(x.defined() && x.dim() == 4, "unfold: input must be [N, C, H, W], got {}",
               x.defined() ? x.shape().str() : std::string("undefined"));
  STRATA_CHECK(kernel_h > 0 && kernel_w > 0 && stride_h > 0 && stride_w > 0 && pad_h >= 0 && pad_w >= 0 &&
                   dilation_h > 0 && dilation_w > 0,
               "unfold: kernel {}x{}, stride {}x{}, dilation {}x{} must be positive and padding {}x{} >= 0",
               kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w);
  const Tensor xp = pad_h || pad_w ? ops::pad(x, {pad_w, pad_w, pad_h, pad_h}) : x;
  const int64_t n = x.size(0), c = x.size(1), hp = xp.size(2), wp = xp.size(3);
  const int64_t oh = (hp - dilation_h * (kernel_h - 1) - 1) / stride_h + 1;
  const int64_t ow = (wp - dilation_w * (kernel_w - 1) - 1) / stride_w + 1;
  STRATA_CHECK(oh > 0 && ow > 0, "unfold: kernel {}x{} does not fit the padded input {}x{}", kernel_h,
               kernel_w, hp, wp);
  // One strided view per kernel position (no loop over the batch), stacked into one copy.
  std::vector<Tensor> taps;
  taps.reserve(static_cast<size_t>(kernel_h * kernel_w));
  for (int64_t i = 0; i < kernel_h; ++i) {
    for (int64_t j = 0; j < kernel_w; ++j) {
      taps.push_back(xp.slice(2, i * dilation_h, i * dilation_h + stride_h * (oh - 1) + 1, stride_h)
                         .slice(3, j * dilation_w, j * dilation_w + stride_w * (ow - 1) + 1, stride_w));
    }
  }
  return ops::stack(taps, 2).reshape({n, c * kernel_h * kernel_w, oh * ow});
}

struct PerSampleGradients::Layer {
  bool conv = false;
  nn::Module* module = nullptr;
  Tensor weight, bias;  // bias undefined when the layer has none (or it does not train)
  bool weight_trains = true;
  // Conv2d settings
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  // The last forward's input, and the gradient that reached its output in the last backward.
  Tensor input, grad;
  // A leaf that requires grad, so the capture node exists even when nothing before the layer trains.
  Tensor anchor = zeros({1}).requires_grad_(true);
  // Conv2d: the per-sample gradients (weight, bias) of the last backward, unscaled, made on first use and
  // reused by weighted_sum (a [B] x [B, P] product instead of a second contraction over positions).
  mutable std::vector<Tensor> conv_grads;

  // The output gradient; the scale is applied to the B-sized results, never to a whole gradient.
  const Tensor& output_grad() const {
    STRATA_CHECK(grad.defined(),
                 "PerSampleGradients: no gradient reached the {} layer; run forward and backward first",
                 module->type_name());
    return grad;
  }
  // Linear: input [B, T, in] and output grad [B, T, out] (T = 1 for [B, in]).
  std::pair<Tensor, Tensor> linear_3d() const {
    const int64_t b = input.size(0);
    const Tensor& g = output_grad();
    return {input.reshape({b, -1, input.size(-1)}), g.reshape({b, -1, g.size(-1)})};
  }
  // Per-sample gradients of the layer's trainable tensors (weight then bias) at scale 1.
  std::vector<Tensor> raw_gradients() const {
    std::vector<Tensor> out;
    const int64_t b = input.size(0);
    if (!conv) {
      auto [a, g] = linear_3d();
      if (weight_trains) out.push_back(ops::bmm(g.transpose(1, 2), a));  // [B, out, in]
      if (bias.defined()) out.push_back(g.sum({1}));
      return out;
    }
    if (conv_grads.empty()) {
      // The batch as B groups of one convolution: input [1, B*C, H, W] and output gradient
      // [1, B*Cout, oh, ow] give, through the weight-gradient kernel, dW_i of every sample at once
      // ([B*Cout, C, kH, kW]); the same contraction as g_i U(a_i)^T without materialising the patches.
      const Tensor g = output_grad();  // [B, Cout, oh, ow]
      const int64_t cout = weight.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
      const int64_t oh = g.size(2), ow = g.size(3);
      kernels::Conv2dParams p;
      p.stride = {sh, sw};
      p.pad_begin = {ph, pw};
      p.pad_end = {(oh - 1) * sh + dh * (kh - 1) + 1 - h - ph, (ow - 1) * sw + dw * (kw - 1) + 1 - w - pw};
      p.dilation = {dh, dw};
      p.groups = b;
      Tensor gb;
      const Tensor gw = kernels::conv2d_backward_weights(
          g.contiguous().reshape({1, b * cout, oh, ow}), input.contiguous().reshape({1, b * c, h, w}),
          Shape({b * cout, c, kh, kw}), p, bias.defined() ? &gb : nullptr);
      if (weight_trains) conv_grads.push_back(gw.reshape({b, cout, c, kh, kw}));
      if (bias.defined()) conv_grads.push_back(gb.reshape({b, cout}));
    }
    return conv_grads;
  }
  // Per-sample squared norms at scale 1.
  Tensor squared_norms() const {
    if (!conv && input.dim() == 2) {
      // |g_i a_i^T|_F^2 = |g_i|^2 |a_i|^2: exact, and nothing of size out x in per sample.
      const Tensor g2 = ops::square(output_grad()).sum({1});
      if (!weight_trains) return g2;
      const Tensor a2 = ops::square(input).sum({1});
      return ops::mul(g2, bias.defined() ? ops::add(a2, 1.0) : a2);
    }
    Tensor total;
    for (const Tensor& t : raw_gradients()) {
      const Tensor n = ops::square(t).reshape({t.size(0), -1}).sum({1});
      total = total.defined() ? ops::add(total, n) : n;
    }
    return total;
  }
  // sum_i w_i * gradient_i at scale 1.
  std::vector<Tensor> weighted_sum(const Tensor& w) const {
    std::vector<Tensor> out;
    const int64_t b = input.size(0);
    if (!conv) {
      auto [a, g] = linear_3d();
      const Tensor gw = ops::mul(g, w.reshape({b, 1, 1}));
      const Tensor g2 = gw.reshape({-1, gw.size(2)});
      if (weight_trains) out.push_back(ops::mm(g2.t(), a.reshape({-1, a.size(2)})));
      if (bias.defined()) out.push_back(g2.sum({0}));
    } else {
      const Tensor wr = w.reshape({1, b});
      const std::vector<Tensor> grads = raw_gradients();
      size_t at = 0;
      if (weight_trains) out.push_back(ops::mm(wr, grads[at++].reshape({b, -1})).reshape(weight.shape()));
      if (bias.defined()) out.push_back(ops::mm(wr, grads[at]).reshape(bias.shape()));
    }
    return out;
  }
};

PerSampleGradients::PerSampleGradients(std::shared_ptr<nn::Module> model) : model_(std::move(model)) {
  STRATA_CHECK(model_ != nullptr, "PerSampleGradients: the model is null");
  std::map<const TensorImpl*, std::shared_ptr<Layer>> owner;
  for (auto& [name, module] : model_->named_modules()) {
    std::vector<std::pair<std::string, Tensor>> own;
    for (auto& [pname, p] : module->named_parameters(false)) {
      if (p.requires_grad()) own.emplace_back(pname, p);
    }
    if (own.empty()) continue;
    auto layer = std::make_shared<Layer>();
    layer->module = module.get();
    if (auto* lin = dynamic_cast<nn::LinearImpl*>(module.get())) {
      layer->weight = lin->weight;
      if (lin->bias.defined() && lin->bias.requires_grad()) layer->bias = lin->bias;
    } else if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(module.get())) {
      STRATA_CHECK(conv->options.groups == 1,
                   "PerSampleGradients: Conv2d '{}' has groups {}; per-sample gradients support groups 1",
                   name, conv->options.groups);
      layer->conv = true;
      layer->weight = conv->weight;
      if (conv->bias.defined() && conv->bias.requires_grad()) layer->bias = conv->bias;
      layer->kh = conv->kernel_size.h;
      layer->kw = conv->kernel_size.w;
      layer->sh = conv->options.stride.h;
      layer->sw = conv->options.stride.w;
      layer->dh = conv->options.dilation.h;
      layer->dw = conv->options.dilation.w;
      if (conv->options.padding.same) {
        layer->ph = layer->dh * (layer->kh - 1) / 2;
        layer->pw = layer->dw * (layer->kw - 1) / 2;
        STRATA_CHECK(
            layer->dh * (layer->kh - 1) % 2 == 0 && layer->dw * (layer->kw - 1) % 2 == 0,
            "PerSampleGradients: Conv2d '{}' pads 'same' unevenly (even kernel); give the padding as "
            "numbers",
            name);
      } else {
        layer->ph = conv->options.padding.h;
        layer->pw = conv->options.padding.w;
      }
    } else {
      throw Error(fmt::format(
          "PerSampleGradients: module '{}' ({}) has trainable parameters but no per-sample gradient rule "
          "(DP-SGD supports Linear and Conv2d; freeze it or replace it, e.g. BatchNorm by GroupNorm-free "
          "models)",
          name.empty() ? module->type_name() : name, module->type_name()));
    }
    layer->weight_trains = layer->weight.requires_grad();
    if (layer->weight_trains) owner[layer->weight.impl()] = layer;
    if (layer->bias.defined()) owner[layer->bias.impl()] = layer;
    layers_.push_back(layer);
    hooks_.push_back(module->register_forward_hook(
        [this, layer](nn::Module&, const std::vector<Tensor>& inputs, const Tensor& output) -> Tensor {
          layer->input = inputs.at(0).detach();
          layer->conv_grads.clear();
          layer->grad = Tensor();
          batch_ = output.size(0);
          // An identity whose backward keeps the output's gradient: nothing is copied in either direction.
          std::weak_ptr<Layer> weak = layer;
          return autograd::record("per_sample_capture", output.detach(), {output, layer->anchor},
                                  [weak](const Tensor& g) {
                                    if (auto l = weak.lock()) l->grad = g;
                                    return autograd::Grads{g, Tensor()};
                                  });
        }));
  }
  for (const Tensor& p : model_->parameters()) {
    if (p.requires_grad() && owner.count(p.impl())) params_.push_back(p);
  }
  STRATA_CHECK(!params_.empty(), "PerSampleGradients: the model ({}) has no trainable Linear or Conv2d layer",
               model_->type_name());
}

PerSampleGradients::~PerSampleGradients() = default;

namespace {

// Puts each layer's per-sample tensors (weight, bias) in the model's parameter order.
template <typename Fn>
std::vector<Tensor> in_parameter_order(const std::vector<Tensor>& params, const auto& layers, Fn per_layer) {
  std::map<const TensorImpl*, Tensor> by_param;
  for (const auto& layer : layers) {
    std::vector<Tensor> grads = per_layer(*layer);
    size_t at = 0;
    if (layer->weight_trains) by_param[layer->weight.impl()] = grads.at(at++);
    if (layer->bias.defined()) by_param[layer->bias.impl()] = grads.at(at++);
  }
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.push_back(by_param.at(p.impl()));
  return out;
}

}  // namespace

std::vector<Tensor> PerSampleGradients::gradients(double scale) const {
  autograd::NoGradGuard no_grad;
  return in_parameter_order(params_, layers_, [&](const Layer& l) {
    std::vector<Tensor> grads = l.raw_gradients();
    for (Tensor& t : grads) t = scale == 1.0 ? t.clone() : ops::mul(t, scale);
    return grads;
  });
}

Tensor PerSampleGradients::squared_norms(double scale) const {
  autograd::NoGradGuard no_grad;
  Tensor total;
  for (const auto& layer : layers_) {
    const Tensor n = layer->squared_norms();
    total = total.defined() ? ops::add(total, n) : n;
  }
  return scale == 1.0 ? total : ops::mul(total, scale * scale);
}

std::vector<Tensor> PerSampleGradients::weighted_sum(const Tensor& weights, double scale) const {
  autograd::NoGradGuard no_grad;
  STRATA_CHECK(weights.defined() && weights.dim() == 1 && weights.size(0) == batch_,
               "PerSampleGradients::weighted_sum: weights must be [{}] (the batch), got {}", batch_,
               weights.defined() ? weights.shape().str() : std::string("undefined"));
  const Tensor w = scale == 1.0 ? weights : ops::mul(weights, scale);
  return in_parameter_order(params_, layers_, [&](const Layer& l) { return l.weighted_sum(w); });
}

}  // namespace strata::fed
