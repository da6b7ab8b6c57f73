// MobileNetV2 against torchvision (tests/fixtures/zoo_mobilenet_v2.safetensors, scripts/gen_fixtures_zoo.py):
// the same state dict, logits, gradients and running statistics (see model_golden_util.h), and a real
// torchvision state dict (zoo_mobilenet_v2_state_dict.safetensors) that loads strictly and gives torch's
// logits.
#include "model_golden_util.h"
#include "strata/models/mobilenet_v2.h"

namespace strata::models {
namespace {

using golden::expect_model_matches;

constexpr const char* kFile = "zoo_mobilenet_v2.safetensors";

// torchvision.models.mobilenet_v2(num_classes=10, dropout=0.0): no dropout keeps train mode deterministic.
MobileNetV2 make() { return mobilenet_v2({.num_classes = 10, .dropout = 0.0}); }

TEST(MobileNetV2Golden, CoversEveryFixtureCase) {
  golden::expect_model_cases(kFile, {"mobilenet_v2", "mobilenet_v2_f32", "pretrained"});
}

TEST(MobileNetV2Golden, StateDictMatchesTorchvision) {
  MobileNetV2 net = make();
  golden::expect_state_dict_matches(kFile, "mobilenet_v2", *net);
}

TEST(MobileNetV2Golden, MobileNetV2) { expect_model_matches(kFile, "mobilenet_v2", *make()); }
TEST(MobileNetV2Golden, MobileNetV2Float32) { expect_model_matches(kFile, "mobilenet_v2_f32", *make()); }

TEST(MobileNetV2Golden, LoadsARealTorchvisionStateDict) {
  const auto state =
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/zoo_mobilenet_v2_state_dict.safetensors");
  MobileNetV2 net = mobilenet_v2({.num_classes = 10, .width_mult = 0.25});
  net->load_state_dict(state);  // strict: exactly torchvision's names and shapes
  net->eval();
  const auto& fx = golden::fixture(kFile);
  EXPECT_TRUE(golden::close_to_scale(net(fx.at("pretrained.x")), fx.at("pretrained.out"), 1e-5));
  // What strata saves is what it loaded.
  const nn::StateDict saved = net->state_dict();
  EXPECT_EQ(saved.size(), state.size());
  for (const auto& [k, t] : saved) EXPECT_TRUE(equal(t, state.at(k))) << k;
}

}  // namespace
}  // namespace strata::models
