#include "strata/data/text/de_en.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

TEST(DeEn, StripsAnnotationsAndSpaces) {
  EXPECT_EQ(strip_annotations(" Abänderung {f};  Modifikation {f} "), "Abänderung; Modifikation");
  EXPECT_EQ(strip_annotations("Er kam [ugs.] zu spät {adv} ."), "Er kam zu spät.");
  EXPECT_EQ(strip_annotations("{f}"), "");
}

TEST(DeEn, SentencesStartUpperEndWithAMarkAndHaveWords) {
  EXPECT_TRUE(is_sentence("Ich habe am ursprünglichen Entwurf ein paar Änderungen vorgenommen."));
  EXPECT_TRUE(is_sentence("Über den Wolken!"));
  EXPECT_TRUE(is_sentence("Wer kommt?"));
  EXPECT_FALSE(is_sentence("modifications"));
  EXPECT_FALSE(is_sentence("etw. ändern"));
  EXPECT_FALSE(is_sentence("Prost!"));                 // one word: an interjection
  EXPECT_FALSE(is_sentence("Hallo da!; Grüß Gott!"));  // alternatives, not one sentence
  EXPECT_FALSE(is_sentence(""));
  EXPECT_TRUE(is_sentence("Prost!", 1));
}

TEST(DeEn, KeepsAlignedSentencePairsOnceInFileOrder) {
  const std::string text =
      "# header :: not data\n"
      "Abänderung {f} | Ich habe ein paar Änderungen vorgenommen. :: modification | I've made a few "
      "changes.\n"
      "Haus {n} | Das Haus ist alt. | Es regnet. :: house | The house is old. | It is raining.\n"
      "unaligned | Das ist schief. :: unaligned\n"
      "Abänderung {f} | Ich habe ein paar Änderungen vorgenommen. :: modification | I've made a few "
      "changes.\r\n"
      "Heading without translation\n"
      "Wort | Ein Satz hier. :: word | only words\n";
  const auto pairs = parse_de_en(text);
  const std::vector<SentencePair> want = {
      {"Ich habe ein paar Änderungen vorgenommen.", "I've made a few changes."},
      {"Das Haus ist alt.", "The house is old."},
      {"Es regnet.", "It is raining."},
  };
  EXPECT_EQ(pairs, want);
}

TEST(DeEn, BadInputNamesTheSourceAndPackage) {
  EXPECT_ERROR_CONTAINS(parse_de_en("no separators here\n", {}, "x.txt"), "parse_de_en", "x.txt");
  EXPECT_ERROR_CONTAINS(parse_de_en("A :: B\n", {.min_words = 0}), "min_words");
  EXPECT_ERROR_CONTAINS(load_de_en_sentences("/nonexistent/de-en"), "/nonexistent/de-en", "trans-de-en");
  EXPECT_ERROR_CONTAINS(split_translation_pairs({}, 0.6, 0.5), "split_translation_pairs", "0.6");
}

TEST(DeEn, SplitDependsOnTheSentenceNotTheOrder) {
  std::vector<SentencePair> pairs;
  for (int i = 0; i < 2000; ++i) pairs.push_back({"Satz Nummer " + std::to_string(i) + ".", "x"});
  pairs.push_back({"Satz Nummer 7.", "another translation"});
  const auto a = split_translation_pairs(pairs, 0.1, 0.1);
  std::vector<SentencePair> reversed(pairs.rbegin(), pairs.rend());
  const auto b = split_translation_pairs(reversed, 0.1, 0.1);
  auto as_set = [](const std::vector<SentencePair>& v) {
    std::set<std::pair<std::string, std::string>> s;
    for (const auto& p : v) s.emplace(p.source, p.target);
    return s;
  };
  EXPECT_EQ(as_set(a.train), as_set(b.train));
  EXPECT_EQ(as_set(a.valid), as_set(b.valid));
  EXPECT_EQ(as_set(a.test), as_set(b.test));
  EXPECT_EQ(a.train.size() + a.valid.size() + a.test.size(), pairs.size());
  EXPECT_NEAR(static_cast<double>(a.test.size()) / 2001.0, 0.1, 0.03);
  EXPECT_NEAR(static_cast<double>(a.valid.size()) / 2001.0, 0.1, 0.03);
  // Both translations of one sentence share its split.
  std::set<std::string> train_sources;
  for (const auto& p : a.train) train_sources.insert(p.source);
  for (const auto& p : a.test) EXPECT_EQ(train_sources.count(p.source), 0U) << p.source;
}

TEST(DeEn, TheInstalledDictionaryGivesTensOfThousandsOfPairs) {
  if (!std::filesystem::exists(de_en_path())) {
    EXPECT_ERROR_CONTAINS(load_de_en_sentences(), "trans-de-en");
    return;
  }
  const auto pairs = load_de_en_sentences();
  EXPECT_GT(pairs.size(), 10000U);
  EXPECT_LT(pairs.size(), 30000U);
  bool found = false;
  for (const auto& p : pairs) {
    found |= p.source == "Ich habe am ursprünglichen Entwurf ein paar Änderungen vorgenommen.";
    EXPECT_TRUE(is_sentence(p.source) && is_sentence(p.target)) << p.source << " :: " << p.target;
  }
  EXPECT_TRUE(found);
  const auto s = split_translation_pairs(pairs);
  EXPECT_GT(s.test.size(), pairs.size() / 25);
  EXPECT_GT(s.valid.size(), pairs.size() / 25);
}

}  // namespace
}  // namespace strata::data::text
