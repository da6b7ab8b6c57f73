// Grad-CAM behaviour beyond the goldens: the default layer, batching, the target rules and the errors that
// name the layers.
#include "strata/explain/grad_cam.h"

#include <algorithm>

#include "strata/models/lenet.h"
#include "strata/models/resnet.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/pooling.h"
#include "strata/ops/view.h"
#include "test_util.h"

namespace strata::explain {
namespace {

using testing::error_of;

nn::Sequential small_cnn() {
  return nn::Sequential(nn::Conv2d(1, 4, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                        nn::Linear(4 * 4 * 4, 3));
}

TEST(GradCam, DefaultLayerIsTheLastConvLikeLayer) {
  manual_seed(1);
  nn::Sequential lenet = models::lenet5(10, 1);
  EXPECT_EQ(default_cam_layer(*lenet, randn({1, 1, 28, 28})), "4");  // the ReLU after the second Conv2d
  models::ResNet resnet = models::resnet20();
  resnet->eval();
  EXPECT_EQ(default_cam_layer(*resnet, randn({1, 3, 32, 32})), "layer3");  // the last stage's output
  const CamResult r = grad_cam(*lenet, randn({2, 1, 28, 28}));
  EXPECT_EQ(r.layer, "4");
  nn::Sequential net = small_cnn();
  EXPECT_EQ(default_cam_layer(*net, randn({1, 1, 8, 8})), "1");  // the conv's ReLU, not the pooling
}

TEST(GradCam, MapsAreInUnitRangeAtInputSize) {
  manual_seed(2);
  models::ResNet resnet = models::resnet20();
  resnet->eval();
  for (CamMethod method : {CamMethod::GradCam, CamMethod::GradCamPlusPlus}) {
    const CamResult r = grad_cam(*resnet, randn({2, 3, 32, 32}), {.method = method, .layer = "layer2"});
    EXPECT_EQ(r.maps.shape(), (Shape{2, 32, 32}));
    EXPECT_EQ(r.raw.shape(), (Shape{2, 16, 16}));
    EXPECT_EQ(r.logits.shape(), (Shape{2, 10}));
    const auto v = r.maps.to_vector<float>();
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0f);
    EXPECT_LE(*std::max_element(v.begin(), v.end()), 1.0f);
    EXPECT_FALSE(r.maps.requires_grad());
  }
}

// A batch gives each image the map it gets alone, and the predicted class by default.
TEST(GradCam, BatchedEqualsOneByOne) {
  manual_seed(3);
  nn::Sequential net = small_cnn();
  net->eval();
  const Tensor x = randn({3, 1, 8, 8});
  const CamResult batch = grad_cam(*net, x, {.layer = "0"});
  for (int64_t i = 0; i < 3; ++i) {
    const CamResult one = grad_cam(*net, ops::narrow(x, 0, i, 1), {.layer = "0"});
    EXPECT_TRUE(allclose(ops::narrow(batch.maps, 0, i, 1), one.maps, 1e-4, 1e-5));
    EXPECT_EQ(batch.targets[static_cast<size_t>(i)], one.targets[0]);
    EXPECT_EQ(one.targets[0], ops::argmax(one.logits, 1).to_vector<int64_t>()[0]);
  }
  const CamResult all_two = grad_cam(*net, x, {.layer = "0", .targets = {2}});
  EXPECT_EQ(all_two.targets, (std::vector<int64_t>{2, 2, 2}));
}

TEST(GradCam, LeavesNoHooksGradientsOrModeBehind) {
  manual_seed(4);
  nn::Sequential net = small_cnn();
  net->train();
  grad_cam(*net, randn({1, 1, 8, 8}), {.layer = "1"});
  EXPECT_TRUE(net->is_training());
  for (const auto& [name, m] : net->named_modules()) EXPECT_FALSE(m->has_hooks()) << name;
  for (const auto& [name, p] : net->named_parameters()) EXPECT_FALSE(p.grad().defined()) << name;
}

TEST(GradCam, ErrorsNameTheLayers) {
  manual_seed(5);
  nn::Sequential net = small_cnn();
  const Tensor x = randn({1, 1, 8, 8});
  std::string e = error_of([&] { grad_cam(*net, x, {.layer = "conv9"}); });
  EXPECT_NE(e.find("no layer 'conv9'"), std::string::npos) << e;
  EXPECT_NE(e.find("0 (Conv2d), 1 (ReLU), 2 (MaxPool2d), 3 (Flatten), 4 (Linear)"), std::string::npos) << e;
  e = error_of([&] { grad_cam(*net, x, {.layer = "4"}); });
  EXPECT_NE(e.find("layer '4' (Linear) outputs [1, 3], not [N, C, H, W]"), std::string::npos) << e;
  e = error_of([&] { grad_cam(*net, x, {.layer = "0", .targets = {3}}); });
  EXPECT_NE(e.find("target class 3 is out of range for 3 classes"), std::string::npos) << e;
  e = error_of([&] { grad_cam(*net, randn({2, 1, 8, 8}), {.layer = "0", .targets = {0, 1, 2}}); });
  EXPECT_NE(e.find("3 targets for a batch of 2"), std::string::npos) << e;
  e = error_of([&] { grad_cam(*net, randn({1, 8, 8}), {.layer = "0"}); });
  EXPECT_NE(e.find("expected an input [N, C, H, W], got [1, 8, 8]"), std::string::npos) << e;
  nn::Sequential mlp(nn::Flatten(), nn::Linear(64, 3));
  e = error_of([&] { grad_cam(*mlp, x); });
  EXPECT_NE(e.find("no convolutional layer"), std::string::npos) << e;
  e = error_of([] { cam_method("saliency"); });
  EXPECT_NE(e.find("unknown method 'saliency' (known: gradcam, gradcampp)"), std::string::npos) << e;
  EXPECT_EQ(cam_method("gradcam++"), CamMethod::GradCamPlusPlus);
}

TEST(GradCam, LayerCalledTwiceIsRefused) {
  manual_seed(6);
  nn::Conv2d conv(2, 2, 3, {.padding = 1});
  nn::Sequential net(conv, nn::ReLU(), conv, nn::Flatten(), nn::Linear(2 * 4 * 4, 2));
  const std::string e = error_of([&] { grad_cam(*net, randn({1, 2, 4, 4}), {.layer = "0"}); });
  EXPECT_NE(e.find("layer '0' (Conv2d) ran 2 times in one forward"), std::string::npos) << e;
}

}  // namespace
}  // namespace strata::explain
