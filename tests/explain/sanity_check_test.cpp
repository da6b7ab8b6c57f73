// The cascading-randomisation sanity check (Adebayo et al. 2018) on a trained LeNet-5.
#include "strata/explain/sanity_check.h"

#include <gtest/gtest.h>

#include "explain/explain_test_util.h"
#include "strata/explain/gradient_x_input.h"
#include "strata/explain/saliency.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::error_of;

TEST(SanityCheck, RandomisingTheWeightsChangesTheSaliencyMaps) {
  auto net = testing::trained_lenet();
  const Tensor x = testing::fashion_test_images(8);
  const nn::StateDict before = net->state_dict();
  std::vector<Tensor> saved;
  for (const auto& [name, t] : before) saved.push_back(t.clone());
  manual_seed(7);
  const auto steps = explain::cascading_randomization(
      *net, x, [](nn::Module& m, const Tensor& in) { return explain::saliency(m, in); });
  // Step 0 (the unchanged model) and one step per layer with parameters, top down.
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].layer, "");
  EXPECT_EQ(steps[1].layer, "11");  // the last Linear of lenet5
  EXPECT_EQ(steps.back().layer, "0");
  EXPECT_DOUBLE_EQ(steps[0].rank_correlation_abs, 1.0);  // saliency is deterministic
  // Randomising the whole network must leave maps unrelated to the trained model's: the rank correlation
  // falls well below the same-model correlation of 1.
  EXPECT_LT(steps.back().rank_correlation_abs, 0.5);
  EXPECT_LT(steps.back().rank_correlation, 0.5);
  for (const auto& s : steps)
    std::cout << "  " << (s.layer.empty() ? "none" : s.layer) << ": " << s.rank_correlation << " "
              << s.rank_correlation_abs << "\n";
  // The weights are put back.
  size_t i = 0;
  for (const auto& [name, t] : net->state_dict()) EXPECT_TRUE(equal(t, saved[i++])) << name;
}

TEST(SanityCheck, GradientXInputFailsLessClearlyThanSaliency) {
  // Gradient x input keeps the input's structure (Adebayo et al.'s finding): even fully randomised, its
  // maps stay closer to the original than saliency's do.
  auto net = testing::trained_lenet();
  const Tensor x = testing::fashion_test_images(8);
  manual_seed(7);
  const auto gxi = explain::cascading_randomization(
      *net, x, [](nn::Module& m, const Tensor& in) { return explain::gradient_x_input(m, in); });
  manual_seed(7);
  const auto sal = explain::cascading_randomization(
      *net, x, [](nn::Module& m, const Tensor& in) { return explain::saliency(m, in); });
  EXPECT_GT(gxi.back().rank_correlation_abs, sal.back().rank_correlation_abs);
}

TEST(SanityCheck, DataRandomisationChangesTheMapsMoreThanAnotherSeed) {
  // Maps of a LeNet trained on permuted labels must differ from the trained model's by more than the maps of
  // the same training from another seed do.
  auto net = testing::trained_lenet();
  auto other_seed = testing::train_lenet(1);
  auto random_labels = testing::train_lenet(0, /*permute_labels=*/true);
  const Tensor x = testing::fashion_test_images(8);
  auto saliency = [](nn::Module& m, const Tensor& in) {
    return explain::saliency(m, in, {.target = std::vector<int64_t>(8, 0)});  // one class for all three
  };
  const auto same_data = explain::data_randomization(*net, *other_seed, x, saliency);
  const auto random = explain::data_randomization(*net, *random_labels, x, saliency);
  EXPECT_EQ(random.layer, "data");
  EXPECT_LT(random.rank_correlation_abs, same_data.rank_correlation_abs - 0.1)
      << "random labels " << random.rank_correlation_abs << ", another seed "
      << same_data.rank_correlation_abs;
}

TEST(SanityCheck, ReinitializeUsesTheLayersOwnInitialisers) {
  manual_seed(1);
  nn::Linear linear(4, 3);
  nn::BatchNorm2d bn(3);
  {
    NoGradGuard no_grad;
    linear->weight.fill_(5.0);
    bn->weight.fill_(2.0);
    bn->running_mean.fill_(3.0);
  }
  explain::reinitialize(*linear);
  explain::reinitialize(*bn);
  // kaiming_uniform(a = sqrt(5)): |w| <= 1 / sqrt(fan_in) = 0.5.
  EXPECT_LE(linear->weight.abs().max().item(), 0.5);
  EXPECT_TRUE(equal(bn->weight, ones({3})));
  EXPECT_TRUE(equal(bn->running_mean, zeros({3})));
}

// A module with a parameter of its own that reinitialize does not know.
class Scale : public nn::Module {
 public:
  Scale() : Module("Scale") { w = register_parameter("w", ones({1})); }
  Tensor forward(const Tensor& x) override { return x * w; }
  Tensor w;
};

TEST(SanityCheck, Errors) {
  Scale scale;
  EXPECT_NE(
      error_of([&] { explain::reinitialize(scale); }).find("no initialiser known for a Scale (parameters w)"),
      std::string::npos);
  nn::Sequential empty_net{nn::Flatten()};
  EXPECT_NE(error_of([&] {
              explain::cascading_randomization(*empty_net, zeros({1, 2}),
                                               [](nn::Module&, const Tensor& in) { return in; });
            }).find("no parameters"),
            std::string::npos);
}

TEST(SanityCheck, ParameterizedLayersInModuleOrder) {
  auto net = models::lenet5();
  EXPECT_EQ(explain::parameterized_layers(*net), (std::vector<std::string>{"0", "3", "7", "9", "11"}));
}

}  // namespace
}  // namespace strata
