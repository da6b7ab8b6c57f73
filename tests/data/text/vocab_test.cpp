#include "strata/data/text/vocab.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

TEST(Vocab, SpecialsFirstThenByFrequencyAndBytes) {
  const Vocab v = Vocab::build({{"b", "a", "c", "b"}, {"a", "b", "d"}});
  ASSERT_EQ(v.size(), 8);
  EXPECT_EQ(v.token(0), "<pad>");
  EXPECT_EQ(v.token(3), "<eos>");
  EXPECT_EQ(v.token(4), "b");  // 3 times
  EXPECT_EQ(v.token(5), "a");  // 2 times
  EXPECT_EQ(v.token(6), "c");  // ties in byte order
  EXPECT_EQ(v.token(7), "d");
  EXPECT_EQ(v.pad_id(), 0);
  EXPECT_EQ(v.unk_id(), 1);
  EXPECT_EQ(v.bos_id(), 2);
  EXPECT_EQ(v.eos_id(), 3);
  EXPECT_TRUE(v.is_special(2));
  EXPECT_FALSE(v.is_special(4));
}

TEST(Vocab, MinFreqAndMaxSize) {
  const std::vector<std::vector<std::string>> docs = {{"x", "x", "x", "y", "y", "z"}};
  const Vocab v = Vocab::build(docs, {.min_freq = 2});
  EXPECT_EQ(v.size(), 6);
  EXPECT_FALSE(v.contains("z"));
  EXPECT_EQ(v.id("z"), *v.unk_id());
  const Vocab capped = Vocab::build(docs, {.max_size = 5});
  EXPECT_EQ(capped.size(), 5);
  EXPECT_TRUE(capped.contains("x"));
  EXPECT_FALSE(capped.contains("y"));
  // max_size equal to the specials: only the specials.
  EXPECT_EQ(Vocab::build(docs, {.max_size = 4}).size(), 4);
  // min_freq above every count: only the specials.
  EXPECT_EQ(Vocab::build(docs, {.min_freq = 100}).size(), 4);
}

TEST(Vocab, EmptyCorpusAndNoSpecials) {
  const Vocab empty = Vocab::build({});
  EXPECT_EQ(empty.size(), 4);
  const Vocab bare = Vocab::build({{"a", "b"}}, {.specials = {}});
  EXPECT_EQ(bare.size(), 2);
  EXPECT_FALSE(bare.unk_id().has_value());
  EXPECT_ERROR_CONTAINS(bare.id("zzz"), "Vocab", "'zzz'", "no <unk>");
  EXPECT_EQ(bare.find("zzz"), std::nullopt);
}

TEST(Vocab, SpecialsInCorpusAreNotDuplicated) {
  const Vocab v = Vocab::build({{"<unk>", "<pad>", "w"}});
  EXPECT_EQ(v.size(), 5);
  EXPECT_EQ(v.id("<unk>"), 1);
}

TEST(Vocab, EncodeDecode) {
  const Vocab v = Vocab::build({{"hello", "world"}});
  const auto ids = v.encode({"hello", "unseen", "world"});
  EXPECT_EQ(ids[1], 1);
  EXPECT_EQ(v.decode(ids), (std::vector<std::string>{"hello", "<unk>", "world"}));
}

TEST(Vocab, JsonRoundTripIncludingInvalidUtf8) {
  const Vocab v(std::vector<std::string>{"<pad>", "<unk>", "caf\xC3\xA9", std::string("\xFF"), "\"q\""});
  const Vocab back = Vocab::from_json(v.to_json());
  EXPECT_EQ(back.tokens(), v.tokens());
  EXPECT_EQ(back.unk_id(), 1);
}

TEST(Vocab, Errors) {
  EXPECT_ERROR_CONTAINS(Vocab(std::vector<std::string>{"a", "b", "a"}), "Vocab", "'a' appears twice");
  EXPECT_ERROR_CONTAINS(Vocab(std::vector<std::string>{"a", ""}), "Vocab", "token 1 is empty");
  EXPECT_ERROR_CONTAINS(Vocab::build({}, {.max_size = 2}), "Vocab", "max_size 2", "4 special");
  EXPECT_ERROR_CONTAINS(Vocab::build({}, {.min_freq = 0}), "Vocab", "min_freq");
  const Vocab v = Vocab::build({{"a"}});
  EXPECT_ERROR_CONTAINS(v.token(5), "Vocab", "id 5", "5 tokens");
  EXPECT_ERROR_CONTAINS(v.token(-1), "Vocab", "id -1");
  EXPECT_ERROR_CONTAINS(Vocab::from_json("{", "vocab.json"), "Vocab", "vocab.json", "not valid JSON");
  EXPECT_ERROR_CONTAINS(Vocab::from_json("{\"x\": 1}"), "Vocab", "no \"tokens\"");
  EXPECT_ERROR_CONTAINS(Vocab::from_json("{\"tokens\": [1]}"), "Vocab", "token 0");
  EXPECT_ERROR_CONTAINS(Vocab::from_json("{\"tokens\": [{\"bytes\": [300]}]}"), "Vocab", "outside 0..255");
}

}  // namespace
}  // namespace strata::data::text
