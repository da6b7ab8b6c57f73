#include "strata/data/text/wordnet.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/data_test_util.h"

namespace fs = std::filesystem;

namespace strata::data::text {
namespace {

// The Debian package wordnet-base (make deps installs it).
const WordNet& wordnet() {
  static const std::shared_ptr<const WordNet> wn = WordNet::load();
  return *wn;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(WordNet, LoadsTheDebianDictionary) {
  EXPECT_GT(wordnet().num_lemmas(), 100000u);
  EXPECT_TRUE(wordnet().contains("whale"));
  EXPECT_TRUE(wordnet().contains("ice cream"));
  EXPECT_FALSE(wordnet().contains("qwzxv"));
}

TEST(WordNet, SynonymsAcrossPartsOfSpeech) {
  const auto car = wordnet().synonyms("car");
  EXPECT_TRUE(has(car, "automobile"));
  EXPECT_TRUE(has(car, "motorcar"));
  EXPECT_FALSE(has(car, "car"));
  EXPECT_TRUE(std::is_sorted(car.begin(), car.end()));
  EXPECT_TRUE(has(wordnet().synonyms("Happy"), "felicitous"));    // adjective, looked up lower-cased
  EXPECT_TRUE(has(wordnet().synonyms("quickly"), "speedily"));    // adverb
  EXPECT_TRUE(has(wordnet().synonyms("run"), "operate"));         // verb
  EXPECT_TRUE(has(wordnet().synonyms("automobile"), "machine"));  // noun
  EXPECT_TRUE(wordnet().synonyms("qwzxv").empty());
  // Collocations come back with spaces.
  bool spaced = false;
  for (const auto& s : wordnet().synonyms("kill")) spaced |= s.find(' ') != std::string::npos;
  EXPECT_TRUE(spaced);
}

// A tiny dictionary in WordNet's format, to check parsing and error paths without the package.
class MiniWordNet : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / "strata_mini_wordnet";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string header = "  1 licence line\n";
    const std::string synset = "00000000 05 n 02 big_cat 0 lion 0 000 | a large cat\n";
    // The synset's offset is its byte position in data.noun: right after the header.
    std::string line = synset;
    line.replace(0, 8, fmt::format("{:08d}", header.size()));
    write("data.noun", header + line);
    write("index.noun", header + fmt::format("lion n 1 0 1 0 {:08d}\n", header.size()));
    for (const char* pos : {"verb", "adj", "adv"}) {
      write(std::string("data.") + pos, header);
      write(std::string("index.") + pos, header);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(MiniWordNet, ParsesSynsets) {
  const auto wn = WordNet::load(dir_.string());
  EXPECT_EQ(wn->num_lemmas(), 1u);
  EXPECT_EQ(wn->synonyms("lion"), (std::vector<std::string>{"big cat"}));
}

TEST_F(MiniWordNet, Errors) {
  fs::remove(dir_ / "index.adv");
  EXPECT_ERROR_CONTAINS(WordNet::load(dir_.string()), "WordNet", "index.adv", "wordnet-base");
  write("index.adv", "  header\n");
  write("index.noun", "lion n 1 0 1 0 99999999\n");
  EXPECT_ERROR_CONTAINS(WordNet::load(dir_.string()), "WordNet", "index.noun line 1", "99999999");
  write("index.noun", "lion n 2 0 1\n");
  EXPECT_ERROR_CONTAINS(WordNet::load(dir_.string()), "WordNet", "index.noun line 1",
                        "not a valid index entry");
  write("index.noun", "lion n 1 0 1 0 00000003\n");
  const auto wn = WordNet::load(dir_.string());
  EXPECT_ERROR_CONTAINS(wn->synonyms("lion"), "WordNet", "data.noun", "offset 3");
}

}  // namespace
}  // namespace strata::data::text
