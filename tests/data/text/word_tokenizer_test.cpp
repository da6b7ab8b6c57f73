#include "strata/data/text/word_tokenizer.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

using Words = std::vector<std::string>;

TEST(WordTokenizer, SplitsPunctuationAndLowercases) {
  const WordTokenizer tok;
  EXPECT_EQ(tok.tokenize("Hello, World! It's a well-known fact..."),
            (Words{"hello", ",", "world", "!", "it's", "a", "well-known", "fact", ".", ".", "."}));
  EXPECT_EQ(tok.tokenize("  'quoted'  -dash- \t\n"), (Words{"'", "quoted", "'", "-", "dash", "-"}));
  EXPECT_TRUE(tok.tokenize("   ").empty());
}

TEST(WordTokenizer, OptionsOff) {
  const WordTokenizer tok({.lowercase = false, .split_punctuation = false});
  EXPECT_EQ(tok.tokenize("Hello, World!"), (Words{"Hello,", "World!"}));
}

TEST(WordTokenizer, FitEncodeDecode) {
  const WordTokenizer tok = WordTokenizer::fit({"the cat sat", "the dog sat", "a bird"},
                                               {.min_freq = 2, .add_bos = true, .add_eos = true});
  EXPECT_EQ(tok.vocab_size(), 6);  // 4 specials + the, sat
  const auto ids = tok.encode("The cat sat");
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids.front(), *tok.vocab().bos_id());
  EXPECT_EQ(ids[2], *tok.vocab().unk_id());
  EXPECT_EQ(ids.back(), *tok.vocab().eos_id());
  EXPECT_EQ(tok.decode(ids), "the <unk> sat");
  // Truncation keeps <eos> last.
  const auto cut = tok.encode("the the the the", 3);
  EXPECT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut.back(), *tok.vocab().eos_id());
  EXPECT_EQ(tok.encode_tensor("sat").shape(), (Shape{3}));
  // Empty text: only the markers.
  EXPECT_EQ(tok.encode("").size(), 2u);
}

TEST(WordTokenizer, MaxSizeAndJson) {
  const WordTokenizer tok = WordTokenizer::fit({"a a a b b c"}, {.max_size = 6});
  EXPECT_EQ(tok.vocab_size(), 6);
  EXPECT_FALSE(tok.vocab().contains("c"));
  const WordTokenizer back = WordTokenizer::from_json(tok.to_json());
  EXPECT_EQ(back.vocab().tokens(), tok.vocab().tokens());
  EXPECT_EQ(back.encode("a b c"), tok.encode("a b c"));
  EXPECT_EQ(back.options().lowercase, tok.options().lowercase);
}

TEST(WordTokenizer, Errors) {
  EXPECT_ERROR_CONTAINS(WordTokenizer().encode("x"), "WordTokenizer", "before fit");
  const WordTokenizer no_markers =
      WordTokenizer::fit({"x"}, {.specials = {"<pad>", "<unk>"}, .add_bos = true});
  EXPECT_ERROR_CONTAINS(no_markers.encode("x"), "WordTokenizer", "no <bos>");
  EXPECT_ERROR_CONTAINS(WordTokenizer::fit({"x"}).encode("x", -1), "WordTokenizer", "max_length");
  EXPECT_ERROR_CONTAINS(WordTokenizer::from_json("[]", "w.json"), "WordTokenizer", "w.json");
  EXPECT_ERROR_CONTAINS(
      WordTokenizer::from_json("{\"type\":\"word\",\"vocab\":{\"tokens\":[]},\"lowercase\":3}"),
      "WordTokenizer", "\"lowercase\" must be true or false");
}

}  // namespace
}  // namespace strata::data::text
