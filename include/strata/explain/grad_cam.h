#pragma once
// Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al. 2018): class activation maps from
// a convolutional layer's activations A [N, C, h, w] and the gradients g = dy/dA of each image's target
// logit y, read through a forward hook on the layer named by its dotted module path.
//   Grad-CAM:   w_c = mean_ij g_cij;  cam = ReLU(sum_c w_c A_c)
//   Grad-CAM++: alpha = g^2 / (2 g^2 + sum_ij(A_c) g^3 + 1e-6) (0 where g = 0);  w_c = sum_ij alpha ReLU(g)
//               (the closed form of the paper as pytorch-grad-cam computes it)
// The map is upsampled bilinearly to the input's H x W and scaled per image to [0, 1]. The model runs in
// eval mode (as the attribution methods do) and is put back into the mode it was in; its parameters'
// .grad() are left untouched.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::explain {

// Which class activation map.
enum class CamMethod { GradCam, GradCamPlusPlus };

// The options of grad_cam.
struct GradCamOptions {
  CamMethod method = CamMethod::GradCam;
  // Dotted module path (nn::Module::named_modules), e.g. "layer3", "features.3"; "" picks
  // default_cam_layer.
  std::string layer{};
  // The class explained per image: empty for the predicted one, one value for every image, or N values.
  std::vector<int64_t> targets{};
};

// What grad_cam returns.
struct CamResult {
  Tensor maps;                   // [N, H, W] in [0, 1] at the input's spatial size (detached)
  Tensor raw;                    // [N, h, w] ReLU(sum_c w_c A_c) at the layer's resolution (detached)
  Tensor logits;                 // [N, classes] the model's output (detached)
  std::vector<int64_t> targets;  // the class explained for each image
  std::string layer;             // the layer used
};

// The class activation maps of `input` [N, C, H, W] through `model` (a [N, classes] output) at one layer.
// Throws naming the layers when options.layer does not exist, and when the layer's output is not
// [N, C, h, w] or the layer runs more than once per forward.
CamResult grad_cam(nn::Module& model, const Tensor& input, const GradCamOptions& options = {});

// The last conv-like layer `model` runs on `input`: the last convolution whose output is [N, C, h, w] with
// h * w > 1, or the last layer to finish after it at the same resolution (its activation, the block and stage
// ending with it): "4" (the ReLU after the second Conv2d) of LeNet-5, "layer3" of a CIFAR ResNet. Throws
// when there is none.
std::string default_cam_layer(nn::Module& model, const Tensor& input);

// Parses a method name: "gradcam" or "gradcampp" (also "gradcam++"); throws naming the known ones.
CamMethod cam_method(const std::string& name);

}  // namespace strata::explain
