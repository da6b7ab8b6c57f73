#include "strata/data/text/char_tokenizer.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

TEST(CharTokenizer, EncodesEveryCodePoint) {
  const std::string text = "Call me Ishmael \xE2\x80\x94 whale";
  const CharTokenizer tok = CharTokenizer::fit(text);
  const auto ids = tok.encode(text);
  EXPECT_EQ(ids.size(), 23u);  // the em dash is one character
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_EQ(tok.encode_tensor(text).shape(), (Shape{23}));
  // The most frequent character gets the first id after the specials.
  EXPECT_EQ(tok.vocab().token(2), " ");
}

TEST(CharTokenizer, UnknownCharactersAndLowercase) {
  const CharTokenizer tok = CharTokenizer::fit("abc", {.lowercase = true});
  EXPECT_EQ(tok.encode("ABC"), tok.encode("abc"));
  const auto ids = tok.encode("az");
  EXPECT_EQ(ids[1], *tok.vocab().unk_id());
  EXPECT_EQ(tok.decode(ids), "a\xEF\xBF\xBD");
  EXPECT_EQ(tok.tokenize("Ab"), (std::vector<std::string>{"a", "b"}));
}

TEST(CharTokenizer, InvalidBytesRoundTrip) {
  const std::string text("ab\xFF\xC3\x28\x80 z", 8);
  const CharTokenizer tok = CharTokenizer::fit(text);
  EXPECT_EQ(tok.decode(tok.encode(text)), text);
  const CharTokenizer back = CharTokenizer::from_json(tok.to_json());
  EXPECT_EQ(back.encode(text), tok.encode(text));
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
}

TEST(CharTokenizer, MaxSizeKeepsTheCommonest) {
  const CharTokenizer tok = CharTokenizer::fit("aaaabbbc", {.max_size = 4});
  EXPECT_EQ(tok.vocab_size(), 4);
  EXPECT_EQ(tok.encode("c")[0], *tok.vocab().unk_id());
}

TEST(CharTokenizer, Errors) {
  EXPECT_ERROR_CONTAINS(CharTokenizer().encode("a"), "CharTokenizer", "before fit");
  EXPECT_ERROR_CONTAINS(CharTokenizer::from_json("{\"type\": \"word\"}"), "CharTokenizer", "not a character");
  EXPECT_ERROR_CONTAINS(CharTokenizer::fit("ab").decode({99}), "Vocab", "id 99");
}

}  // namespace
}  // namespace strata::data::text
