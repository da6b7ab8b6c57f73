#include "strata/metrics/bleu.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace strata::metrics {
namespace {

Tokens w(std::initializer_list<const char*> words) { return {words.begin(), words.end()}; }

TEST(Bleu, PerfectAndDisjointTranslations) {
  const Tokens t = w({"the", "cat", "sat", "on", "the", "mat"});
  EXPECT_DOUBLE_EQ(corpus_bleu({{t}}, {t}), 1.0);
  EXPECT_EQ(corpus_bleu({{t}}, {w({"x", "y", "z", "q"})}), 0.0);
  EXPECT_EQ(corpus_bleu({{t}}, {Tokens{}}), 0.0);
}

TEST(Bleu, UnigramPrecisionIsClipped) {
  // "the" x7 against a reference with two "the": 2/7 (Papineni et al.'s example).
  const double b =
      corpus_bleu({{w({"the", "cat", "is", "on", "the", "mat"})}},
                  {w({"the", "the", "the", "the", "the", "the", "the"})}, {.max_n = 1, .weights = {1.0}});
  EXPECT_NEAR(b, 2.0 / 7.0, 1e-12);
}

TEST(Bleu, BrevityPenaltyUsesTheClosestReference) {
  const Tokens hyp = w({"a", "b", "c", "d"});
  const double b = corpus_bleu({{w({"a", "b", "c", "d", "e", "f", "g", "h"})}}, {hyp}, {.max_n = 1});
  EXPECT_NEAR(b, std::exp(1.0 - 8.0 / 4.0), 1e-12);
  EXPECT_NEAR(corpus_bleu({{w({"a", "b", "c", "d", "e", "f", "g", "h"}), w({"a", "b", "c", "d", "e"})}},
                          {hyp}, {.max_n = 1}),
              std::exp(1.0 - 5.0 / 4.0), 1e-12);
}

TEST(Bleu, BadArgumentsNameTheProblem) {
  const Tokens t = w({"a"});
  EXPECT_ERROR_CONTAINS(corpus_bleu({{t}, {t}}, {t}), "corpus_bleu", "2 reference lists", "1 hypotheses");
  EXPECT_ERROR_CONTAINS(corpus_bleu({{}}, {t}), "corpus_bleu", "sentence 0 has no reference");
  EXPECT_ERROR_CONTAINS(corpus_bleu({{t}}, {t}, {.max_n = 4, .weights = {0.5, 0.5}}), "2 weights",
                        "max_n = 4");
  EXPECT_ERROR_CONTAINS(corpus_bleu({{t}}, {t}, {.max_n = 0}), "max_n");
}

TEST(BleuTokenize, SplitsWordsAndPunctuation) {
  EXPECT_EQ(bleu_tokenize("I've made one  change, (maybe) two."),
            w({"I", "'", "ve", "made", "one", "change", ",", "(", "maybe", ")", "two", "."}));
  EXPECT_EQ(bleu_tokenize("Don’t go… «now»"), w({"Don", "’", "t", "go", "…", "«", "now", "»"}));
  EXPECT_EQ(bleu_tokenize("Über Änderungen!"), w({"Über", "Änderungen", "!"}));
  EXPECT_TRUE(bleu_tokenize("  \n").empty());
}

}  // namespace
}  // namespace strata::metrics
