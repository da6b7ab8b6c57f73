// Grad-CAM and Grad-CAM++. A forward hook on the chosen layer replaces its output by a detached leaf that
// requires grad, so the rest of the forward is recorded from that leaf and autograd::grad returns dy/dA
// directly (no tensor hooks, and nothing below the layer is differentiated).
#include "strata/explain/grad_cam.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/explain/attribution.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/upsample.h"
#include "strata/ops/view.h"

namespace strata::explain {
namespace {

// Dotted names of every module but the root, for error messages.
std::string layer_list(nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& [name, m] : model.named_modules())
    if (!name.empty()) names.push_back(fmt::format("{} ({})", name, m->type_name()));
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

std::shared_ptr<nn::Module> find_layer(nn::Module& model, const std::string& layer) {
  for (const auto& [name, m] : model.named_modules())
    if (name == layer && !name.empty()) return m;
  STRATA_FAIL("grad_cam: the model has no layer '{}'; its layers are: {}", layer, layer_list(model));
}

bool is_conv(const nn::Module& m) { return m.type_name().starts_with("Conv"); }

// The classes explained: the predicted ones, one for all, or one per image (each checked against the logits).
std::vector<int64_t> resolve_targets(const Tensor& logits, const std::vector<int64_t>& targets) {
  const int64_t n = logits.size(0), classes = logits.size(1);
  std::vector<int64_t> out;
  if (targets.empty()) return ops::argmax(logits, 1).to_vector<int64_t>();
  STRATA_CHECK(targets.size() == 1 || static_cast<int64_t>(targets.size()) == n,
               "grad_cam: {} targets for a batch of {} (give none, one, or one per image)", targets.size(),
               n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = targets.size() == 1 ? targets[0] : targets[static_cast<size_t>(i)];
    STRATA_CHECK(t >= 0 && t < classes, "grad_cam: target class {} is out of range for {} classes", t,
                 classes);
    out.push_back(t);
  }
  return out;
}

// Per image: (x - min) / (max - min + 1e-7) over the last two dims.
Tensor scale_to_unit(const Tensor& x) {
  const Tensor lo = ops::amin(x, {1, 2}, true), hi = ops::amax(x, {1, 2}, true);
  return ops::div(ops::sub(x, lo), ops::add(ops::sub(hi, lo), 1e-7));
}

}  // namespace

CamMethod cam_method(const std::string& name) {
  if (name == "gradcam") return CamMethod::GradCam;
  if (name == "gradcampp" || name == "gradcam++") return CamMethod::GradCamPlusPlus;
  STRATA_FAIL("grad_cam: unknown method '{}' (known: gradcam, gradcampp)", name);
}

std::string default_cam_layer(nn::Module& model, const Tensor& input) {
  // Every layer's completion in call order, with its output shape.
  struct Call {
    std::string name;
    Shape shape;
    bool conv;
  };
  std::vector<Call> calls;
  std::vector<nn::HookHandle> handles;
  for (const auto& [name, m] : model.named_modules()) {
    if (name.empty()) continue;
    handles.push_back(m->register_forward_hook(
        [&calls, name = name](nn::Module& self, const std::vector<Tensor>&, const Tensor& out) {
          calls.push_back({name, out.shape(), is_conv(self)});
        }));
  }
  {
    NoGradGuard no_grad;
    model(input);
  }
  auto spatial = [](const Shape& s) { return s.size() == 4 && s[2] * s[3] > 1; };
  // The last convolution with a spatial output, then what follows it at the same resolution: its
  // activation, its normalisation, the block and stage that end with it.
  std::string found;
  for (size_t i = calls.size(); i-- > 0;) {
    if (!calls[i].conv || !spatial(calls[i].shape)) continue;
    found = calls[i].name;
    for (size_t j = i + 1; j < calls.size() && spatial(calls[j].shape) &&
                           calls[j].shape[2] == calls[i].shape[2] && calls[j].shape[3] == calls[i].shape[3];
         ++j)
      found = calls[j].name;
    break;
  }
  STRATA_CHECK(!found.empty(),
               "grad_cam: the model has no convolutional layer with a [N, C, H, W] output on input {}; "
               "name one with --layer / GradCamOptions::layer (its layers are: {})",
               input.shape().str(), layer_list(model));
  return found;
}

CamResult grad_cam(nn::Module& model, const Tensor& input, const GradCamOptions& options) {
  STRATA_CHECK(input.defined() && input.dim() == 4, "grad_cam: expected an input [N, C, H, W], got {}",
               input.defined() ? input.shape().str() : std::string("an undefined tensor"));
  STRATA_CHECK(input.is_floating_point(), "grad_cam: expected a floating input, got {}",
               dtype_name(input.dtype()));
  EvalModeGuard eval(model);
  const std::string layer = options.layer.empty() ? default_cam_layer(model, input) : options.layer;
  const auto module = find_layer(model, layer);

  Tensor activation;
  int calls = 0;
  Shape bad_shape;
  auto handle = module->register_forward_hook(
      [&](nn::Module&, const std::vector<Tensor>&, const Tensor& out) -> std::optional<Tensor> {
        ++calls;
        if (!(out.dim() == 4 && out.is_floating_point())) {
          bad_shape = out.shape();
          return std::nullopt;
        }
        activation = out.detach();
        activation.requires_grad_(true);
        return activation;
      });
  autograd::EnableGradGuard grad_on;
  const Tensor logits = model(input.detach());
  handle.remove();
  STRATA_CHECK(calls == 1,
               "grad_cam: layer '{}' ({}) ran {} times in one forward; choose a layer that runs once", layer,
               module->type_name(), calls);
  STRATA_CHECK(bad_shape.empty() && activation.defined(),
               "grad_cam: layer '{}' ({}) outputs {}, not [N, C, H, W]; choose a convolutional layer", layer,
               module->type_name(), bad_shape.str());
  STRATA_CHECK(logits.dim() == 2 && logits.size(0) == input.size(0),
               "grad_cam: expected the model to output [N, classes] for input {}, got {}",
               input.shape().str(), logits.shape().str());
  STRATA_CHECK(activation.size(0) == input.size(0), "grad_cam: layer '{}' outputs {} for a batch of {}",
               layer, activation.shape().str(), input.size(0));

  CamResult result;
  result.layer = layer;
  result.targets = resolve_targets(logits.detach(), options.targets);
  const Tensor index = ops::unsqueeze(from_vector(result.targets), 1);  // [N, 1]
  // Each image's target logit depends on its own activations only, so one backward serves the batch.
  const Tensor score = ops::sum(ops::gather(logits, 1, index));
  const Tensor g = autograd::grad(score, {activation})[0];
  const Tensor a = activation.detach();

  NoGradGuard no_grad;
  Tensor weights;  // [N, C, 1, 1]
  if (options.method == CamMethod::GradCam) {
    weights = ops::mean(g, {2, 3}, true);
  } else {
    const Tensor g2 = ops::mul(g, g), g3 = ops::mul(g2, g);
    const Tensor sum_a = ops::sum(a, {2, 3}, true);
    Tensor alpha = ops::div(g2, ops::add(ops::add(ops::mul(g2, 2.0), ops::mul(sum_a, g3)), 1e-6));
    alpha = ops::where(ops::ne(g, 0.0), alpha, zeros_like(alpha));
    weights = ops::sum(ops::mul(alpha, ops::relu(g)), {2, 3}, true);
  }
  result.raw = ops::relu(ops::sum(ops::mul(weights, a), {1}));  // [N, h, w]
  const Tensor up = ops::interpolate(ops::unsqueeze(result.raw, 1), {.size = {input.size(2), input.size(3)},
                                                                     .mode = ops::InterpolateMode::Bilinear});
  result.maps = scale_to_unit(ops::squeeze(up, 1));
  result.logits = logits.detach();
  return result;
}

}  // namespace strata::explain
