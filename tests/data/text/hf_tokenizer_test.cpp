#include "strata/data/text/hf_tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

// tests/fixtures/hf_tokenizer_bpe.json is a RoBERTa-style tokenizer.json written by hand: 4 added special
// tokens (<mask> with lstrip, as RoBERTa's), 28 byte-level characters, and 23 merges, some of which only
// apply once others have (he + l -> hel, then hel + lo -> hello; Ġw + or -> Ġwor -> Ġworl -> Ġworld). The
// expected ids below are worked out by hand from the algorithm of tokenizers' BPE model (lowest merge rank
// first, leftmost among equals), with each step noted.
std::string fixture_path() { return std::string(STRATA_FIXTURES_DIR) + "/hf_tokenizer_bpe.json"; }

std::string fixture_text() {
  std::ifstream in(fixture_path(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fixture with one field changed.
HFTokenizer edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(fixture_text());
  edit(j);
  return HFTokenizer::from_json(j.dump(), "edited.json");
}

using Ids = std::vector<int64_t>;

TEST(HFTokenizer, ByteToUnicodeTable) {
  EXPECT_EQ(byte_level_char('a'), "a");
  EXPECT_EQ(byte_level_char(' '), "\xC4\xA0");   // U+0120 Ġ: the 33rd byte that is not printable
  EXPECT_EQ(byte_level_char('\n'), "\xC4\x8A");  // U+010A Ċ
  EXPECT_EQ(byte_level_char(0x97), "\xC4\xB9");  // U+0139 Ĺ
  EXPECT_EQ(byte_level_char(0xE6), "\xC3\xA6");  // printable Latin-1 stands for itself: æ
  EXPECT_EQ(byte_level_char(0xAD), "\xC5\x83");  // the soft hyphen is the last one moved: U+0143
}

TEST(HFTokenizer, LoadsTheFixture) {
  const HFTokenizer tok = HFTokenizer::load(fixture_path());
  EXPECT_EQ(tok.vocab_size(), 55);
  EXPECT_EQ(tok.added_tokens().size(), 4u);
  EXPECT_FALSE(tok.add_prefix_space());
  EXPECT_EQ(tok.token_to_id("<mask>"), 3);
  EXPECT_EQ(tok.token_to_id("\xC4\xA0world"), 41);  // Ġworld
  EXPECT_EQ(tok.token_to_id("nope"), std::nullopt);
  EXPECT_EQ(tok.id_to_token(37), "hello");
  EXPECT_THROW(tok.id_to_token(55), Error);
}

TEST(HFTokenizer, MergesApplyByRankNotLeftToRight) {
  const HFTokenizer tok = HFTokenizer::load(fixture_path());
  // "hello": pairs (h,e) rank 2, (l,l) rank 3, (l,o) rank 1. Rank 1 first: h e l lo; then h e -> he; the
  // (l,l) entry is stale (its right l is gone); (he,l) rank 4 -> hel; (hel,lo) rank 5 -> hello = 37.
  // " world" -> Ġ w o r l d: (Ġ,w) rank 0 -> Ġw; (o,r) rank 6 -> or; (Ġw,or) 7; (Ġwor,l) 8; (Ġworl,d) 9
  // -> 41.
  EXPECT_EQ(tok.encode("hello world"), (Ids{37, 41}));
  // "  hello\n": GPT-2's pattern gives " " (a space run leaves its last space to the word), " hello", "\n".
  // " hello": (l,o) 1, (h,e) 2, (he,l) 4, (hel,lo) 5 -> Ġ hello (no merge joins Ġ and hello).
  EXPECT_EQ(tok.encode("  hello\n"), (Ids{11, 11, 37, 31}));
}

TEST(HFTokenizer, ContractionsNumbersAndPunctuation) {
  const HFTokenizer tok = HFTokenizer::load(fixture_path());
  // Pieces "it", "'s", " 42", "!": it = 49, 's = 48, Ġ4 (rank 18) then 2 = 17, ! = 18.
  EXPECT_EQ(tok.encode("it's 42!"), (Ids{49, 48, 50, 17, 18}));
}

TEST(HFTokenizer, NonAsciiText) {
  const HFTokenizer tok = HFTokenizer::load(fixture_path());
  // "café" = c a f C3 A9 -> c a f Ã ©: (Ã,©) rank 10, (c,a) 11, (ca,f) 12, (caf,Ã©) 13 -> 45.
  // " über" = 20 C3 BC b e r -> Ġ Ã ¼ b e r: (Ġ,Ã) 14, (ĠÃ,¼) 15 -> 47, b = 25, (e,r) 21 -> 53.
  // " 日本" = 20 E6 97 A5 E6 9C AC -> Ġ æ Ĺ ¥ æ ľ ¬: (æ,Ĺ) 19, (æĹ,¥) 20 -> 52; the rest stay bytes.
  const std::string text =
      "caf\xC3\xA9 \xC3\xBC"
      "ber \xE6\x97\xA5\xE6\x9C\xAC";
  const Ids ids = tok.encode(text);
  EXPECT_EQ(ids, (Ids{45, 47, 25, 53, 11, 52, 26, 29, 30}));
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(HFTokenizer, AddedTokensSplitTheText) {
  const HFTokenizer tok = HFTokenizer::load(fixture_path());
  // <mask> has lstrip: it takes the space before it, so "hello" and " world" remain.
  EXPECT_EQ(tok.encode("hello <mask> world"), (Ids{37, 3, 41}));
  EXPECT_EQ(tok.encode("<s>hello"), (Ids{0, 37}));
  EXPECT_EQ(tok.decode({0, 37, 3, 41}), "<s>hello<mask> world");
  // Without lstrip the space before <mask> is a piece of its own: Ġ = 11.
  const HFTokenizer plain = edited([](nlohmann::json& j) { j["added_tokens"][3]["lstrip"] = false; });
  EXPECT_EQ(plain.encode("hello <mask> world"), (Ids{37, 11, 3, 41}));
  // rstrip takes the space after it instead.
  const HFTokenizer right = edited([](nlohmann::json& j) {
    j["added_tokens"][3]["lstrip"] = false;
    j["added_tokens"][3]["rstrip"] = true;
  });
  // "hello " -> hello, Ġ; "world" -> w o r l d: (o,r) 6 -> w or l d (no merge joins w and or).
  EXPECT_EQ(right.encode("hello <mask> world"), (Ids{37, 11, 3, 8, 38, 6, 10}));
  // single_word: "<s>" inside a word is plain text then (bytes absent from the vocabulary are dropped).
  const HFTokenizer word = edited([](nlohmann::json& j) { j["added_tokens"][0]["single_word"] = true; });
  EXPECT_EQ(word.encode("<s> hello"), (Ids{0, 11, 37}));
  // "he<s>" -> pieces "he", "<", "s", ">"; "<" and ">" are not in the vocabulary.
  EXPECT_EQ(word.encode("he<s>"), (Ids{34, 13}));
}

TEST(HFTokenizer, AddPrefixSpace) {
  const HFTokenizer tok = edited([](nlohmann::json& j) { j["pre_tokenizer"]["add_prefix_space"] = true; });
  EXPECT_TRUE(tok.add_prefix_space());
  // Every stretch between added tokens gets a leading space unless it has one: " hello" -> Ġ hello.
  EXPECT_EQ(tok.encode("hello world"), (Ids{11, 37, 41}));
  EXPECT_EQ(tok.encode("<s>hello"), (Ids{0, 11, 37}));
}

TEST(HFTokenizer, MergesAsPairsAndUnknownBytes) {
  // Newer tokenizer.json files write merges as [a, b] pairs.
  const HFTokenizer tok = edited([](nlohmann::json& j) {
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& m : j["model"]["merges"]) {
      const std::string s = m.get<std::string>();
      pairs.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
    }
    j["model"]["merges"] = pairs;
  });
  EXPECT_EQ(tok.encode("hello world"), (Ids{37, 41}));
  // "z" has no vocabulary entry and there is no unk_token: it is dropped, as tokenizers does.
  EXPECT_EQ(tok.encode("hez"), (Ids{34}));
  const HFTokenizer unk = edited([](nlohmann::json& j) { j["model"]["unk_token"] = "<pad>"; });
  EXPECT_EQ(unk.encode("hez"), (Ids{34, 1}));
  EXPECT_TRUE(tok.encode("").empty());
  EXPECT_EQ(tok.encode_tensor("hello").numel(), 1);
}

TEST(HFTokenizer, BadFilesNameTheFileAndField) {
  EXPECT_ERROR_CONTAINS(HFTokenizer::load("/nonexistent/tokenizer.json"), "/nonexistent/tokenizer.json");
  EXPECT_ERROR_CONTAINS(HFTokenizer::from_json("{\"model\": ", "t.json"), "t.json", "not valid JSON");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j.erase("model"); }), "edited.json", "model: missing");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"].erase("vocab"); }), "model.vocab: missing");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"].erase("merges"); }),
                        "model.merges: missing");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["merges"][2] = "hxe"; }),
                        "model.merges[2]");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["merges"][0] = "h q"; }), "model.merges[0]",
                        "\"q\" is not in model.vocab");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["merges"][0] = "h o"; }),
                        "merged token \"ho\"");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["vocab"]["h"] = "four"; }),
                        "model.vocab.h");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["type"] = "WordPiece"; }), "model.type");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["pre_tokenizer"]["type"] = "Whitespace"; }),
                        "pre_tokenizer.type");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j.erase("pre_tokenizer"); }),
                        "pre_tokenizer: missing");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["normalizer"] = {{"type", "NFC"}}; }), "normalizer");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["added_tokens"][1].erase("content"); }),
                        "added_tokens[1].content: missing");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["added_tokens"][1]["lstrip"] = 3; }),
                        "added_tokens[1].lstrip");
  EXPECT_ERROR_CONTAINS(edited([](nlohmann::json& j) { j["model"]["unk_token"] = "<unk>"; }),
                        "model.unk_token");
}

}  // namespace
}  // namespace strata::data::text
