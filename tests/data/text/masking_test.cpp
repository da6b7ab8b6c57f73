#include "strata/data/text/masking.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"
#include "strata/core/factory.h"

namespace strata::data::text {
namespace {

constexpr int64_t kPad = 0, kMask = 1, kVocab = 50;

MaskOptions options() { return {.mask_token = kMask, .vocab_size = kVocab, .special_ids = {kPad, kMask}}; }

// n ids cycling through the non-special ids 2..49, with a pad every 10th position.
Tensor ids(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i % 10 == 9 ? kPad : 2 + i % 48;
  return from_vector(v, Shape{n});
}

TEST(Masking, ProportionsFollowBert) {
  const int64_t n = 200000;
  const Tensor x = ids(n);
  Generator gen(3);
  const MaskedTokens m = mask_tokens(x, options(), gen);
  ASSERT_EQ(m.input.shape(), x.shape());
  ASSERT_EQ(m.labels.shape(), x.shape());
  const int64_t *in = x.data_ptr<int64_t>(), *out = m.input.data_ptr<int64_t>(),
                *lab = m.labels.data_ptr<int64_t>();
  int64_t candidates = 0, selected = 0, masked = 0, replaced = 0, kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (in[i] == kPad) {
      EXPECT_EQ(out[i], kPad);  // specials are never selected
      EXPECT_EQ(lab[i], -100);
      continue;
    }
    ++candidates;
    if (lab[i] == -100) {
      EXPECT_EQ(out[i], in[i]);  // unselected tokens are left alone
      continue;
    }
    ++selected;
    EXPECT_EQ(lab[i], in[i]);  // the label is the original token
    if (out[i] == kMask) {
      ++masked;
    } else if (out[i] == in[i]) {
      ++kept;
    } else {
      ++replaced;
      EXPECT_GE(out[i], 2);  // random replacements are never special
      EXPECT_LT(out[i], kVocab);
    }
  }
  const double p_sel = static_cast<double>(selected) / static_cast<double>(candidates);
  EXPECT_NEAR(p_sel, 0.15, 0.005);
  const auto s = static_cast<double>(selected);
  EXPECT_NEAR(masked / s, 0.8, 0.01);
  // A random replacement equals the original 1 time in 48: it then counts as kept.
  EXPECT_NEAR(replaced / s, 0.1 * 47.0 / 48.0, 0.01);
  EXPECT_NEAR(kept / s, 0.1 + 0.1 / 48.0, 0.01);
}

TEST(Masking, DeterministicPerSeed) {
  const Tensor x = ids(1000).reshape(Shape{10, 100});
  Generator a(7), b(7), c(8);
  const MaskedTokens ma = mask_tokens(x, options(), a), mb = mask_tokens(x, options(), b),
                     mc = mask_tokens(x, options(), c);
  EXPECT_EQ(ma.input.shape(), (Shape{10, 100}));
  EXPECT_TRUE(equal(ma.input, mb.input));
  EXPECT_TRUE(equal(ma.labels, mb.labels));
  EXPECT_FALSE(equal(ma.labels, mc.labels));
}

TEST(Masking, OptionsChangeTheSplit) {
  const Tensor x = ids(20000);
  Generator gen(1);
  MaskOptions all = options();
  all.mask_prob = 1.0;
  all.mask_replace_prob = 1.0;
  all.random_replace_prob = 0.0;
  const MaskedTokens m = mask_tokens(x, all, gen);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t t = x.data_ptr<int64_t>()[i];
    EXPECT_EQ(m.input.data_ptr<int64_t>()[i], t == kPad ? kPad : kMask);
  }
  MaskOptions none = options();
  none.mask_prob = 0.0;
  const MaskedTokens z = mask_tokens(x, none, gen);
  EXPECT_TRUE(equal(z.input, x));
}

TEST(Masking, DatasetIsReproducibleAndRemasksEachEpoch) {
  auto base =
      std::make_shared<TensorDataset>(ids(4000).reshape(Shape{40, 100}), zeros(Shape{40}, {.dtype = kInt64}));
  MaskedLanguageModelDataset a(base, options(), 5), b(base, options(), 5);
  const Example e0 = a.get(3), f0 = b.get(3);
  EXPECT_TRUE(equal(e0.input, f0.input));
  EXPECT_TRUE(equal(e0.target, f0.target));
  const Example e1 = a.get(3);  // second read: new masks
  EXPECT_FALSE(equal(e0.target, e1.target));
  a.set_epoch(0);  // pinned back to the first read
  EXPECT_TRUE(equal(a.get(3).target, e0.target));
  EXPECT_ERROR_CONTAINS(a.get(40), "index 40");
}

TEST(Masking, CollatePadsInputsAndLabels) {
  const Collate collate = masked_lm_collate(kPad, -100);
  const std::vector<Example> batch = {
      {from_vector<int64_t>({5, 6, 7}), from_vector<int64_t>({-100, 6, -100})},
      {from_vector<int64_t>({8}), from_vector<int64_t>({8})}};
  const Batch b = collate(batch);
  EXPECT_EQ(b.input.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.target.shape(), (Shape{6}));
  EXPECT_EQ(std::vector<int64_t>(b.input.data_ptr<int64_t>(), b.input.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{5, 6, 7, 8, kPad, kPad}));
  EXPECT_EQ(std::vector<int64_t>(b.target.data_ptr<int64_t>(), b.target.data_ptr<int64_t>() + 6),
            (std::vector<int64_t>{-100, 6, -100, 8, -100, -100}));
  const Batch cut = masked_lm_collate(kPad, -100, 2)(batch);
  EXPECT_EQ(cut.input.shape(), (Shape{2, 2}));
}

TEST(Masking, BadInput) {
  Generator gen(0);
  MaskOptions o = options();
  EXPECT_ERROR_CONTAINS(mask_tokens(ones(Shape{3}), o, gen), "mask_tokens", "i64");
  EXPECT_ERROR_CONTAINS(mask_tokens(from_vector<int64_t>({2, 50}), o, gen), "token id 50");
  o.mask_token = 60;
  EXPECT_ERROR_CONTAINS(mask_tokens(ids(5), o, gen), "mask_token 60");
  o = options();
  o.mask_prob = 1.5;
  EXPECT_ERROR_CONTAINS(mask_tokens(ids(5), o, gen), "mask_prob");
  o = options();
  o.mask_replace_prob = 0.95;
  EXPECT_ERROR_CONTAINS(mask_tokens(ids(5), o, gen), "sum to at most 1");
}

}  // namespace
}  // namespace strata::data::text
