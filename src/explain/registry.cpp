#include "strata/explain/registry.h"

#include "strata/core/did_you_mean.h"
#include "strata/core/factory.h"
#include "strata/explain/grad_cam.h"
#include "strata/explain/gradient_x_input.h"
#include "strata/explain/integrated_gradients.h"
#include "strata/explain/occlusion.h"
#include "strata/explain/saliency.h"
#include "strata/explain/sanity_check.h"
#include "strata/explain/smoothgrad.h"
#include "strata/ops/reduction.h"

namespace strata::explain {
namespace {

AttributionOptions common(const MethodArgs& args) {
  return {.target = args.target, .internal_batch_size = args.internal_batch_size};
}

// Images [N, C, H, W] only: the maps are drawn over them.
void check_images(const Tensor& input, const char* method) {
  STRATA_CHECK(input.defined() && input.dim() == 4, "{}: heat maps need images [N, C, H, W], got {}", method,
               input.defined() ? input.shape().str() : "undefined");
}

// Attributions [N, C, H, W] -> heat [N, H, W]: the sum over channels of their magnitudes (Captum's
// visualisation with sign="absolute_value").
Tensor magnitude(const Tensor& attributions) { return channel_sum(attributions, true); }

std::vector<Method> builtin_methods() {
  return {
      {"saliency", "|gradient| of the class score, max over channels (Simonyan et al. 2014)", false,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "saliency");
         return ops::amax(saliency(model, input, common(args)), {1});
       }},
      {"gradient_x_input", "input times gradient, magnitude summed over channels", false,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "gradient_x_input");
         return magnitude(gradient_x_input(model, input, common(args)));
       }},
      {"smoothgrad", "gradient averaged over 50 noisy copies (noise 15% of the range; Smilkov et al. 2017)",
       false,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "smoothgrad");
         return magnitude(smoothgrad(model, input, common(args), {.seed = args.seed}));
       }},
      {"integrated_gradients",
       "Integrated Gradients from a black baseline, 64 Gauss-Legendre steps (Sundararajan et al. 2017)",
       false,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "integrated_gradients");
         const Tensor baseline = full_like(input.select(0, 0), args.baseline);
         return magnitude(
             integrated_gradients(model, input, common(args), {.steps = 64, .baseline = baseline})
                 .attributions);
       }},
      {"occlusion", "score drop when a square patch (1/7 of the side, stride half that) is blacked out",
       false,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "occlusion");
         const int64_t side = std::max<int64_t>(2, std::min(input.size(2), input.size(3)) / 7);
         return magnitude(occlusion(model, input, common(args),
                                    {.window = {input.size(1), side, side},
                                     .strides = {input.size(1), side / 2, side / 2},
                                     .baseline = args.baseline}));
       }},
      {"gradcam", "Grad-CAM at --layer (default: the last conv-like layer; Selvaraju et al. 2017)", true,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "gradcam");
         return grad_cam(model, input,
                         {.method = CamMethod::GradCam, .layer = args.layer, .targets = args.target})
             .maps;
       }},
      {"gradcampp", "Grad-CAM++ at --layer (default: the last conv-like layer; Chattopadhyay et al. 2018)",
       true,
       [](nn::Module& model, const Tensor& input, const MethodArgs& args) {
         check_images(input, "gradcampp");
         return grad_cam(model, input,
                         {.method = CamMethod::GradCamPlusPlus, .layer = args.layer, .targets = args.target})
             .maps;
       }},
  };
}

}  // namespace

const std::vector<Method>& methods() {
  static const std::vector<Method> kMethods = builtin_methods();
  return kMethods;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const Method& m : methods()) names.push_back(m.name);
  return names;
}

const Method& find_method(const std::string& name) {
  for (const Method& m : methods()) {
    if (m.name == name) return m;
  }
  const std::vector<std::string> names = method_names();
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  STRATA_FAIL("unknown explain method '{}'{} (methods: {})", name, did_you_mean(name, names), list);
}

}  // namespace strata::explain
