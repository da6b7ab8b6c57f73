#include "strata/data/text/utf8.h"

#include <gtest/gtest.h>

namespace strata::data::text {
namespace {

TEST(Utf8, SplitsCodePoints) {
  const std::string s = "a\xC3\xA9\xE2\x80\x94\xF0\x9F\x90\xB3z";  // a é — 🐳 z
  const auto chars = utf8_chars(s);
  ASSERT_EQ(chars.size(), 5u);
  EXPECT_EQ(chars[1], "\xC3\xA9");
  EXPECT_EQ(chars[2], "\xE2\x80\x94");
  EXPECT_EQ(chars[3], "\xF0\x9F\x90\xB3");
  EXPECT_TRUE(is_valid_utf8(s));
}

TEST(Utf8, InvalidBytesAreSinglePieces) {
  // Stray continuation, truncated sequence, overlong "/", surrogate, above U+10FFFF.
  const std::string s = "\x80x\xE2\x80\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80";
  const auto chars = utf8_chars(s);
  std::string joined;
  for (auto c : chars) {
    EXPECT_EQ(c.size(), 1u);
    joined += c;
  }
  EXPECT_EQ(joined, s);
  EXPECT_EQ(chars.size(), s.size());
  EXPECT_FALSE(is_valid_utf8(s));
  EXPECT_FALSE(is_valid_utf8("\xE2\x80"));
  EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Utf8, AsciiLowerLeavesOtherBytes) { EXPECT_EQ(ascii_lower("AbC \xC3\x89"), "abc \xC3\x89"); }

}  // namespace
}  // namespace strata::data::text
