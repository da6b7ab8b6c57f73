// The linear probe: stratified subsets, frozen feature extraction, and a logistic-regression head that
// separates linearly separable features and cannot separate random labels on the test set.
#include "strata/train/linear_probe.h"

#include <set>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::train {
namespace {

TEST(LinearProbe, StratifiedSubsetKeepsEachClassShareAndIsSeeded) {
  std::vector<int64_t> y;
  for (int64_t i = 0; i < 300; ++i) y.push_back(i % 3);  // 100 of each class
  const Tensor labels = from_vector(y);
  const std::vector<int64_t> a = stratified_subset(labels, 0.1, 7);
  ASSERT_EQ(a.size(), 30u);
  std::map<int64_t, int> per_class;
  for (int64_t i : a) ++per_class[y[static_cast<size_t>(i)]];
  EXPECT_EQ(per_class, (std::map<int64_t, int>{{0, 10}, {1, 10}, {2, 10}}));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(a, stratified_subset(labels, 0.1, 7));
  EXPECT_NE(a, stratified_subset(labels, 0.1, 8));
  EXPECT_EQ(stratified_subset(labels, 0.001, 0).size(), 3u);  // at least one of each class
  EXPECT_EQ(stratified_subset(labels, 1.0, 0).size(), 300u);
  EXPECT_ERROR_CONTAINS(stratified_subset(labels, 0.0, 0), "stratified_subset", "fraction");
  EXPECT_ERROR_CONTAINS(stratified_subset(zeros({3}), 0.5, 0), "stratified_subset", "i64");
}

TEST(LinearProbe, ExtractFeaturesRunsInEvalModeWithoutGradients) {
  nn::Sequential net(nn::Linear(4, 3), nn::Dropout(0.5));
  net->train();
  const Tensor x = randn({10, 4});
  const Tensor f = extract_features(*net, x, 3);
  EXPECT_EQ(f.shape(), (Shape{10, 3}));
  EXPECT_FALSE(f.requires_grad());
  EXPECT_TRUE(net->is_training());  // restored
  net->eval();
  NoGradGuard no_grad;
  EXPECT_TRUE(equal(f, net->forward(x)));
}

TEST(LinearProbe, SeparatesSeparableFeaturesButNotRandomLabels) {
  Generator g(3);
  const Tensor centers = randn({4, 8}, {}, &g) * 4.0;
  std::vector<int64_t> y;
  for (int64_t i = 0; i < 400; ++i) y.push_back(i % 4);
  const Tensor labels = from_vector(y);
  const Tensor x = ops::index_select(centers, 0, labels) + randn({400, 8}, {}, &g);
  const Tensor train_x = x.narrow(0, 0, 200), test_x = x.narrow(0, 200, 200);
  const Tensor train_y = labels.narrow(0, 0, 200), test_y = labels.narrow(0, 200, 200);
  const LinearProbeResult r = linear_probe(train_x, train_y, test_x, test_y, 4, {.epochs = 30});
  EXPECT_GT(r.test_accuracy, 0.95);
  // Labels unrelated to the features: near chance on the test set.
  const Tensor shuffled = randint(0, 4, {200}, {.dtype = kInt64}, &g);
  const LinearProbeResult noise =
      linear_probe(train_x, shuffled, test_x, randint(0, 4, {200}, {.dtype = kInt64}, &g), 4, {.epochs = 30});
  EXPECT_LT(noise.test_accuracy, 0.45);
  EXPECT_ERROR_CONTAINS(linear_probe(train_x, train_y, zeros({3, 5}), test_y, 4), "linear_probe", "[3, 5]");
}

}  // namespace
}  // namespace strata::train
