#include "strata/data/image/mix.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

Batch batch_of(int64_t b = 6, uint64_t seed = 1) {
  Generator g(seed);
  return {rand({b, 3, 8, 8}, {}, &g), from_vector<int64_t>({0, 1, 2, 3, 4, 0}).narrow(0, 0, b)};
}

// Row i of x rolled by one along dim 0 (row i - 1).
Tensor rolled(const Tensor& x, int64_t i) { return x.select(0, (i + x.size(0) - 1) % x.size(0)); }

TEST(MixUp, MixesInputsAndOneHotTargetsByTheSameLambda) {
  const Batch in = batch_of();
  Generator g(3);
  const Batch out = MixUp({.alpha = 0.4, .num_classes = 5})(in, g);
  ASSERT_EQ(out.target.shape(), (Shape{6, 5}));
  EXPECT_EQ(out.target.dtype(), kFloat32);
  // Rows of the targets sum to 1; lambda is the weight of each row's own class.
  EXPECT_TRUE(allclose(out.target.sum({1}), ones({6}), 1e-5, 1e-6));
  const double lam = out.target.at({1, 1});
  EXPECT_GT(lam, 0.0);
  EXPECT_LT(lam, 1.0);
  for (int64_t i = 1; i < 5; ++i)
    EXPECT_TRUE(allclose(out.input.select(0, i),
                         in.input.select(0, i) * lam + rolled(in.input, i) * (1.0 - lam), 1e-5, 1e-6));
  // Row 0 mixes with the last row (label 0 with label 0: the one-hot stays whole).
  EXPECT_NEAR(out.target.at({0, 0}), 1.0, 1e-6);
  EXPECT_TRUE(allclose(out.input.select(0, 0),
                       in.input.select(0, 0) * lam + in.input.select(0, 5) * (1.0 - lam), 1e-5, 1e-6));
  // The batch given is left unchanged.
  EXPECT_TRUE(equal(in.input, batch_of().input));
}

TEST(MixUp, ProbabilityZeroOnlyMakesTargetsOneHotAndSoftTargetsAreMixed) {
  const Batch in = batch_of();
  Generator g(1);
  const Batch same = MixUp({.num_classes = 5, .p = 0.0})(in, g);
  EXPECT_TRUE(equal(same.input, in.input));
  EXPECT_EQ(same.target.at({3, 3}), 1.0);
  EXPECT_EQ(same.target.sum().item(), 6.0);
  // Already-soft targets (e.g. from CutMix) mix without num_classes.
  const Batch soft{in.input, full({6, 4}, 0.25)};
  EXPECT_TRUE(allclose(MixUp()(soft, g).target, full({6, 4}, 0.25)));
}

TEST(CutMix, PastesABoxAndWeighsLabelsByArea) {
  const Batch in = batch_of();
  for (uint64_t seed = 1; seed < 20; ++seed) {
    Generator g(seed);
    const Batch out = CutMix({.alpha = 1.0, .num_classes = 5})(in, g);
    // Count the pixels of row 2 taken from row 1; the label weight of row 2's class is the rest.
    const Tensor own = in.input.select(0, 2), other = in.input.select(0, 1), got = out.input.select(0, 2);
    int64_t pasted = 0;
    for (int64_t y = 0; y < 8; ++y)
      for (int64_t x = 0; x < 8; ++x) {
        const double v = got.at({0, y, x});
        const bool from_other = v == other.at({0, y, x}) && v != own.at({0, y, x});
        EXPECT_TRUE(v == own.at({0, y, x}) || from_other);
        pasted += from_other ? 1 : 0;
      }
    EXPECT_NEAR(out.target.at({2, 2}), 1.0 - pasted / 64.0, 1e-6) << "seed " << seed;
    EXPECT_NEAR(out.target.at({2, 1}), pasted / 64.0, 1e-6);
  }
}

TEST(MixCollate, IsDeterministicWithWorkersAndVariesPerEpoch) {
  Generator g(2);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 40; ++i) labels.push_back(i % 4);
  auto ds = std::make_shared<TensorDataset>(rand({40, 1, 4, 4}, {}, &g), from_vector(labels));
  const Collate collate =
      mix_collate(random_choice({MixUp({.num_classes = 4}), CutMix({.num_classes = 4})}), /*seed=*/9);
  DataLoader serial(ds, {.batch_size = 8, .shuffle = true, .seed = 1, .collate = collate});
  DataLoader workers(ds, {.batch_size = 8, .shuffle = true, .seed = 1, .num_workers = 3, .collate = collate});
  std::vector<Tensor> epoch0;
  for (int e = 0; e < 2; ++e) {
    auto it = workers.begin();
    int64_t n = 0;
    for (const Batch& b : serial) {
      ASSERT_EQ(b.target.shape(), (Shape{8, 4}));
      EXPECT_TRUE(allclose(b.target.sum({1}), ones({8}), 1e-5, 1e-6));
      EXPECT_TRUE(equal(b.input, it->input));
      EXPECT_TRUE(equal(b.target, it->target));
      if (e == 0)
        epoch0.push_back(b.target);
      else
        EXPECT_FALSE(equal(b.target, epoch0[static_cast<size_t>(n)]));
      ++it;
      ++n;
    }
    EXPECT_EQ(n, 5);
  }
}

TEST(BetaSampling, MeanMatchesTheDistribution) {
  Generator g(5);
  for (auto [a, b] : {std::pair{0.2, 0.2}, std::pair{2.0, 5.0}, std::pair{1.0, 1.0}}) {
    double sum = 0.0;
    for (int i = 0; i < 20000; ++i) {
      const double x = sample_beta(a, b, g);
      ASSERT_GE(x, 0.0);
      ASSERT_LE(x, 1.0);
      sum += x;
    }
    EXPECT_NEAR(sum / 20000.0, a / (a + b), 0.01) << a << ", " << b;
  }
}

TEST(Mix, BadBatchesAndOptionsRaise) {
  const Batch in = batch_of();
  Generator g(1);
  EXPECT_ERROR_CONTAINS(MixUp({.alpha = 0.0}), "MixUp", "alpha");
  EXPECT_ERROR_CONTAINS(CutMix({.p = 2.0}), "CutMix", "p must be");
  EXPECT_ERROR_CONTAINS(MixUp()(in, g), "MixUp", "num_classes");
  EXPECT_ERROR_CONTAINS(MixUp({.num_classes = 3})(in, g), "MixUp", "target 3", "[0, 3)");
  EXPECT_ERROR_CONTAINS(MixUp({.num_classes = 5})(Batch{in.input.to(kUInt8), in.target}, g), "MixUp", "u8");
  EXPECT_ERROR_CONTAINS(MixUp({.num_classes = 5})(Batch{in.input, zeros({6, 2}, {.dtype = kInt64})}, g),
                        "MixUp", "[6, 2]");
  EXPECT_ERROR_CONTAINS(CutMix({.num_classes = 5})(Batch{zeros({6, 4}), in.target}, g), "CutMix", "[6, 4]");
  EXPECT_ERROR_CONTAINS(random_choice({}), "random_choice");
  EXPECT_ERROR_CONTAINS(mix_collate(BatchTransform(), 1), "mix_collate", "empty");
  EXPECT_ERROR_CONTAINS(sample_beta(0.0, 1.0, g), "sample_beta");
}

}  // namespace
}  // namespace strata::data::image
