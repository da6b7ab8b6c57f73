#include "strata/data/text/bpe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> c = {
      "the whale, the white whale! the whale swims.",
      "Call me Ishmael. Some years ago - never mind how long precisely - having little money",
      "whales and whalers: the whaling voyage of the Pequod, 1851.",
      "caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E the the the"};
  return c;
}

TEST(BPE, PretokenizePartitionsTheInput) {
  const std::string s = "Hello  world!\n\n  x1234 y";
  const auto pieces = bpe_pretokenize(s);
  std::string joined;
  for (auto p : pieces) joined += p;
  EXPECT_EQ(joined, s);
  EXPECT_EQ(pieces[0], "Hello");
  EXPECT_EQ(pieces[1], " ");
  EXPECT_EQ(pieces[2], " world");
  EXPECT_EQ(pieces[3], "!");
}

TEST(BPE, TrainLearnsFrequentPairsAndCompresses) {
  const ByteLevelBPE bpe = ByteLevelBPE::train(corpus(), {.vocab_size = 300, .min_frequency = 2});
  EXPECT_GT(bpe.num_merges(), 10);
  EXPECT_LE(bpe.vocab_size(), 300);
  // " the" is frequent: encoded in fewer tokens than bytes.
  const auto ids = bpe.encode(" the whale");
  EXPECT_LT(ids.size(), 10u);
  EXPECT_EQ(bpe.decode(ids), " the whale");
  // Training is deterministic.
  const ByteLevelBPE again = ByteLevelBPE::train(corpus(), {.vocab_size = 300, .min_frequency = 2});
  EXPECT_EQ(again.merges(), bpe.merges());
}

TEST(BPE, RoundTripsArbitraryBytes) {
  const ByteLevelBPE bpe = ByteLevelBPE::train(corpus(), {.vocab_size = 320});
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s(rng() % 64, '\0');
    // Mix random bytes (often invalid UTF-8, NULs included) with corpus fragments.
    for (char& c : s) c = static_cast<char>(rng() & 0xFF);
    if (trial % 2 == 0) s += corpus()[trial % corpus().size()];
    const auto ids = bpe.encode(s);
    EXPECT_EQ(bpe.decode(ids), s) << "trial " << trial;
    for (int64_t id : ids) EXPECT_LT(id, bpe.vocab_size());
  }
  EXPECT_TRUE(bpe.encode("").empty());
  const std::string invalid("\xFF\xFE\xC0\x80\xED\xA0\x80", 7);
  EXPECT_EQ(bpe.decode(bpe.encode(invalid)), invalid);
}

TEST(BPE, MergesApplyInTrainingOrder) {
  // 'a'+'a' first (id 256), then 256+'a' (id 257): "aaa" -> [257], "aaaa" -> [256, 256].
  const ByteLevelBPE bpe({{'a', 'a'}, {256, 'a'}}, {});
  EXPECT_EQ(bpe.encode("aaa"), (std::vector<int64_t>{257}));
  EXPECT_EQ(bpe.encode("aaaa"), (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(bpe.encode("aaaaa"), (std::vector<int64_t>{256, 257}));
  EXPECT_EQ(bpe.token_bytes(257), "aaa");
}

TEST(BPE, SpecialTokensAndJson) {
  const ByteLevelBPE bpe = ByteLevelBPE::train(
      corpus(), {.vocab_size = 280, .min_frequency = 1, .special_tokens = {"<pad>", "<eos>"}});
  EXPECT_EQ(bpe.vocab_size(), 280);
  EXPECT_EQ(bpe.special_id("<pad>"), 256 + bpe.num_merges());
  EXPECT_EQ(bpe.special_id("<eos>"), 257 + bpe.num_merges());
  EXPECT_EQ(bpe.special_id("<bos>"), std::nullopt);
  EXPECT_EQ(bpe.decode({'h', 'i', *bpe.special_id("<eos>")}), "hi<eos>");
  const ByteLevelBPE back = ByteLevelBPE::from_json(bpe.to_json());
  EXPECT_EQ(back.merges(), bpe.merges());
  EXPECT_EQ(back.special_tokens(), bpe.special_tokens());
  EXPECT_EQ(back.encode(corpus()[1]), bpe.encode(corpus()[1]));

  const std::string path = ::testing::TempDir() + "/strata_bpe_test.json";
  bpe.save(path);
  const ByteLevelBPE loaded = ByteLevelBPE::load(path);
  EXPECT_EQ(loaded.encode(corpus()[3]), bpe.encode(corpus()[3]));
  std::filesystem::remove(path);
}

TEST(BPE, MinFrequencyStopsTraining) {
  const ByteLevelBPE bpe = ByteLevelBPE::train({"abcdef"}, {.vocab_size = 1000, .min_frequency = 2});
  EXPECT_EQ(bpe.num_merges(), 0);
  const ByteLevelBPE all = ByteLevelBPE::train({"abcdef"}, {.vocab_size = 1000, .min_frequency = 1});
  EXPECT_EQ(all.num_merges(), 5);  // down to one token
  EXPECT_EQ(all.encode("abcdef").size(), 1u);
}

TEST(BPE, Errors) {
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::train({"x"}, {.vocab_size = 100}), "ByteLevelBPE::train",
                        "vocab_size 100");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE({{300, 1}}, {}), "ByteLevelBPE", "merge 0", "(300, 1)", "below 256");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE({{1, 2}, {1, 2}}, {}), "ByteLevelBPE", "repeats the pair (1, 2)");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE({}, {"<x>", "<x>"}), "ByteLevelBPE", "'<x>' is given twice");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE().decode({256}), "ByteLevelBPE", "id 256", "256 tokens");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::from_json(
                            "{\"type\": \"byte_level_bpe\", \"version\": 1, \"merges\": [[1]]}", "tok.json"),
                        "ByteLevelBPE", "tok.json", "merge 0");
  EXPECT_ERROR_CONTAINS(
      ByteLevelBPE::from_json("{\"type\": \"byte_level_bpe\", \"version\": 1, \"merges\": [[999, 1]]}",
                              "tok.json"),
      "ByteLevelBPE", "(999, 1)", "tok.json");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::from_json("{\"type\": \"word\"}"), "ByteLevelBPE",
                        "not a byte-level BPE");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::from_json("{\"type\": \"byte_level_bpe\", \"version\": 2}"),
                        "unsupported version");
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::load("/nonexistent/bpe.json"), "ByteLevelBPE", "/nonexistent/bpe.json");
  const std::string path = ::testing::TempDir() + "/strata_bpe_truncated.json";
  std::ofstream(path) << ByteLevelBPE::train(corpus(), {.vocab_size = 270}).to_json().substr(0, 40);
  EXPECT_ERROR_CONTAINS(ByteLevelBPE::load(path), "ByteLevelBPE", path, "not valid JSON");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace strata::data::text
