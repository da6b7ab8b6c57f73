// The heat-map method registry: names, lookup errors, and every method's maps on a small image model.
#include "strata/explain/registry.h"

#include <gtest/gtest.h>

#include "explain/explain_test_util.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(ExplainRegistry, ListsTheAttributionMethods) {
  const std::vector<std::string> names = explain::method_names();
  for (const char* name : {"saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "occlusion"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  EXPECT_EQ(explain::find_method("occlusion").name, "occlusion");
  EXPECT_NE(testing::error_of([] {
              explain::find_method("saliancy");
            }).find("unknown explain method 'saliancy' (did you mean 'saliency'?) (methods: saliency, "),
            std::string::npos);
}

TEST(ExplainRegistry, EveryMethodGivesOneNonNegativeMapPerImage) {
  manual_seed(0);
  auto net = nn::Sequential(nn::Conv2d(3, 4, 3, {.padding = 1}), nn::ReLU(), nn::AdaptiveAvgPool2d(2),
                            nn::Flatten(), nn::Linear(16, 5))
                 .ptr();
  net->eval();
  const Tensor x = randn({2, 3, 14, 14});
  for (const explain::Method& m : explain::methods()) {
    if (m.uses_layer) continue;  // layer methods have tests of their own
    const Tensor heat = m.heat_map(*net, x, {.target = {1, 4}});
    EXPECT_EQ(heat.shape(), Shape({2, 14, 14})) << m.name;
    EXPECT_GE(heat.min().item(), 0.0) << m.name;
    EXPECT_GT(heat.max().item(), 0.0) << m.name;
  }
  EXPECT_NE(testing::error_of([&] {
              explain::find_method("saliency").heat_map(*net, randn({2, 3}), {});
            }).find("saliency: heat maps need images [N, C, H, W], got [2, 3]"),
            std::string::npos);
}

// Grad-CAM and Grad-CAM++ read MethodArgs::layer (default: the last conv-like layer) and give maps in [0, 1]
// at the image size.
TEST(ExplainRegistry, GradCamMethodsReadTheLayer) {
  manual_seed(1);
  auto net =
      nn::Sequential(nn::Conv2d(3, 4, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Conv2d(4, 4, 3, {.padding = 1}), nn::ReLU(), nn::Flatten(), nn::Linear(4 * 7 * 7, 5))
          .ptr();
  net->eval();
  const Tensor x = randn({2, 3, 14, 14});
  for (const char* name : {"gradcam", "gradcampp"}) {
    const explain::Method& m = explain::find_method(name);
    EXPECT_TRUE(m.uses_layer) << name;
    for (const std::string layer : {"", "0", "4"}) {
      const Tensor heat = m.heat_map(*net, x, {.target = {1, 4}, .layer = layer});
      EXPECT_EQ(heat.shape(), Shape({2, 14, 14})) << name << " " << layer;
      EXPECT_GE(heat.min().item(), 0.0) << name;
      EXPECT_LE(heat.max().item(), 1.0) << name;
    }
    EXPECT_NE(testing::error_of([&] { m.heat_map(*net, x, {.layer = "fc"}); }).find("no layer 'fc'"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace strata
