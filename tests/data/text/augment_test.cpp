#include "strata/data/text/augment.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "data/data_test_util.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

using Words = std::vector<std::string>;

std::shared_ptr<const WordNet> wordnet() {
  static const std::shared_ptr<const WordNet> wn = WordNet::load();
  return wn;
}

const Words kSentence = {"The", "quick", "brown", "fox",  "jumps", "over",
                         "the", "lazy",  "dog",   "near", "the",   "river"};

Words sorted(Words w) {
  std::sort(w.begin(), w.end());
  return w;
}

TEST(EDA, StopWords) {
  EXPECT_TRUE(is_stop_word("the"));
  EXPECT_TRUE(is_stop_word("of"));
  EXPECT_FALSE(is_stop_word("whale"));
}

TEST(EDA, RandomSwapKeepsTheWords) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Generator g(seed);
    const Words out = random_swap(kSentence, 3, g);
    EXPECT_EQ(sorted(out), sorted(kSentence));
  }
  Generator g(1);
  EXPECT_NE(random_swap(kSentence, 1, g), kSentence);  // one swap moves two different positions
  EXPECT_EQ(random_swap({"alone"}, 5, g), Words{"alone"});
  EXPECT_TRUE(random_swap({}, 5, g).empty());
}

TEST(EDA, RandomDeletionNeverEmpties) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Generator g(seed);
    const Words out = random_deletion(kSentence, 1.0, g);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_NE(std::find(kSentence.begin(), kSentence.end(), out[0]), kSentence.end());
    Generator g2(seed);
    const Words some = random_deletion(kSentence, 0.3, g2);
    EXPECT_GE(some.size(), 1u);
    EXPECT_LE(some.size(), kSentence.size());
    // What survives keeps its order: it is a subsequence of the input.
    size_t j = 0;
    for (const auto& w : kSentence) {
      if (j < some.size() && w == some[j]) ++j;
    }
    EXPECT_EQ(j, some.size());
  }
  Generator g(3);
  EXPECT_EQ(random_deletion(kSentence, 0.0, g), kSentence);
  EXPECT_EQ(random_deletion({"one"}, 1.0, g), Words{"one"});
}

TEST(EDA, SynonymReplacementUsesWordNet) {
  Generator g(4);
  const Words out = synonym_replacement(kSentence, 2, *wordnet(), g);
  ASSERT_EQ(out.size(), kSentence.size());
  int changed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == kSentence[i]) continue;
    ++changed;
    EXPECT_FALSE(is_stop_word(ascii_lower(kSentence[i])));
    const auto syns = wordnet()->synonyms(kSentence[i]);
    std::string lowered = out[i];
    lowered[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowered[0])));
    EXPECT_NE(std::find(syns.begin(), syns.end(), lowered), syns.end()) << kSentence[i] << " -> " << out[i];
  }
  EXPECT_GE(changed, 1);
  EXPECT_LE(changed, 2);
  // Stop words only: nothing to replace.
  Generator g2(4);
  EXPECT_EQ(synonym_replacement({"the", "of", "a"}, 3, *wordnet(), g2), (Words{"the", "of", "a"}));
}

TEST(EDA, RandomInsertionAddsSynonyms) {
  Generator g(5);
  const Words out = random_insertion(kSentence, 2, *wordnet(), g);
  EXPECT_EQ(out.size(), kSentence.size() + 2);
  // The original words are a subsequence of the result.
  size_t j = 0;
  for (const auto& w : out) {
    if (j < kSentence.size() && w == kSentence[j]) ++j;
  }
  EXPECT_EQ(j, kSentence.size());
  Generator g2(5);
  EXPECT_EQ(random_insertion({"the", "of"}, 2, *wordnet(), g2),
            (Words{"the", "of"}));  // no synonyms to insert
}

TEST(EDA, DeterministicForASeed) {
  const EDA eda(wordnet(), {.alpha_sr = 0.2, .alpha_ri = 0.2, .alpha_rs = 0.2, .p_rd = 0.2});
  const std::string text = "the old sailor told a long story about the great white whale";
  Generator a(42), b(42), c(43);
  const auto va = eda.augment(text, 8, a);
  EXPECT_EQ(va, eda.augment(text, 8, b));
  EXPECT_NE(va, eda.augment(text, 8, c));
  for (const auto& v : va) EXPECT_FALSE(v.empty());
  EXPECT_EQ(eda("", a), "");
}

TEST(EDA, WorksWithoutWordNetForSwapAndDeletion) {
  const EDA eda(nullptr, {.alpha_sr = 0, .alpha_ri = 0, .alpha_rs = 0.5, .p_rd = 0.5});
  Generator g(1);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(eda("a b c d", g).empty());
  const TextTransform t = eda.transform();
  Generator g1(9), g2(9);
  EXPECT_EQ(t("one two three four", g1), t("one two three four", g2));
}

TEST(EDA, TensorTransformOnWordIds) {
  auto tok = std::make_shared<const WordTokenizer>(WordTokenizer::fit({"the old sailor told a long story"}));
  auto eda = std::make_shared<const EDA>(
      nullptr, EDAOptions{.alpha_sr = 0, .alpha_ri = 0, .alpha_rs = 0.5, .p_rd = 0});
  const auto transform = eda_transform(eda, tok, 1);
  const Tensor ids = tok->encode_tensor("the old sailor told a long story");
  const Tensor out = transform(ids);
  EXPECT_EQ(out.shape(), ids.shape());
  EXPECT_TRUE(equal(out, transform(ids)));  // same input, same seed -> same variant
  std::vector<int64_t> a = ids.to_vector<int64_t>(), b = out.to_vector<int64_t>();
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);  // swaps only
  EXPECT_ERROR_CONTAINS(transform(zeros({2})), "eda_transform", "f32");
}

TEST(EDA, Errors) {
  EXPECT_ERROR_CONTAINS(EDA(nullptr, {}), "EDA", "need a WordNet");
  EXPECT_ERROR_CONTAINS(EDA(wordnet(), {.alpha_sr = 1.5}), "EDA", "alpha_sr", "1.5");
  EXPECT_ERROR_CONTAINS(EDA(wordnet(), {.alpha_sr = 0, .alpha_ri = 0, .alpha_rs = 0, .p_rd = 0}), "EDA",
                        "turned off");
  Generator g(1);
  EXPECT_ERROR_CONTAINS(random_deletion(kSentence, -0.1, g), "random_deletion", "p must be in [0, 1]");
  EXPECT_ERROR_CONTAINS(random_swap(kSentence, -1, g), "random_swap", "n must be >= 0");
}

}  // namespace
}  // namespace strata::data::text
