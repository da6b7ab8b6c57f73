// Grad-CAM and Grad-CAM++ against a plain-torch reference written from the formulas
// (tests/fixtures/grad_cam.safetensors, scripts/gen_cam_fixtures.py): a small CNN in float64 at its last
// conv, a ReLU and its first conv, with predicted and given target classes; the maps at the input's size and
// the raw maps at the layer's resolution.
#include "golden_util.h"
#include "strata/explain/grad_cam.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/pooling.h"

namespace strata::explain {
namespace {

using golden::Case;
using golden::GoldenCase;

// The fixture's CNN: [N, 2, 8, 10] -> [N, 5].
nn::Sequential cnn() {
  return nn::Sequential(nn::Conv2d(2, 4, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Conv2d(4, 6, 3, {.padding = 1}), nn::ReLU(), nn::Flatten(),
                        nn::Linear(6 * 4 * 5, 5));
}

GoldenCase cam_case(const std::string& name, const std::string& layer, CamMethod method) {
  return {name, [=](Case& c) {
            nn::Sequential model = cnn();
            model->eval();
            c.load_parameters(*model);
            GradCamOptions options{.method = method, .layer = layer};
            if (c.contains("targets")) options.targets = c.in("targets").to_vector<int64_t>();
            const CamResult r = grad_cam(*model, c.in("x"), options);
            EXPECT_EQ(r.layer, layer);
            c.expect("raw", r.raw);
            return r.maps;
          }};
}

std::vector<GoldenCase> cases() {
  return {cam_case("gradcam_last_conv", "3", CamMethod::GradCam),
          cam_case("gradcam_relu_targets", "4", CamMethod::GradCam),
          cam_case("gradcam_first_conv", "0", CamMethod::GradCam),
          cam_case("gradcampp_last_conv", "3", CamMethod::GradCamPlusPlus),
          cam_case("gradcampp_relu_targets", "4", CamMethod::GradCamPlusPlus)};
}

STRATA_GOLDEN_TESTS(GradCamGolden, "grad_cam.safetensors", cases);

}  // namespace
}  // namespace strata::explain
