#include "strata/data/text/unicode.h"

#include <gtest/gtest.h>

namespace strata::data::text {
namespace {

TEST(Unicode, Letters) {
  for (char32_t c : {U'a', U'Z', U'\u00E9', U'\u00FC', U'\u03B1', U'\u0416', U'\u65E5', U'\u00AA', U'\u02B0'})
    EXPECT_TRUE(is_unicode_letter(c)) << static_cast<uint32_t>(c);
  for (char32_t c : {U'0', U' ', U'!', U'_', U'\u00D7', U'\u0301', U'\u2014', U'\U0001F600', U'\u00B2'})
    EXPECT_FALSE(is_unicode_letter(c)) << static_cast<uint32_t>(c);
}

TEST(Unicode, Numbers) {
  for (char32_t c : {U'0', U'9', U'\u00B2', U'\u00BD', U'\u0663', U'\u2163', U'\uFF15'})
    EXPECT_TRUE(is_unicode_number(c)) << static_cast<uint32_t>(c);
  for (char32_t c : {U'a', U'.', U'\u00E9', U'\u65E5'}) EXPECT_FALSE(is_unicode_number(c));
}

TEST(Unicode, Whitespace) {
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\u00A0', U'\u2003', U'\u3000', U'\u0085'})
    EXPECT_TRUE(is_unicode_whitespace(c));
  for (char32_t c : {U'a', U'\u200B', U'_'}) EXPECT_FALSE(is_unicode_whitespace(c));
}

TEST(Unicode, DecodesUtf8) {
  const std::string s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xFF";
  EXPECT_EQ(utf8_decode(s, 0), (std::pair<char32_t, size_t>{U'a', 1}));
  EXPECT_EQ(utf8_decode(s, 1), (std::pair<char32_t, size_t>{U'\u00E9', 2}));
  EXPECT_EQ(utf8_decode(s, 3), (std::pair<char32_t, size_t>{U'\u65E5', 3}));
  EXPECT_EQ(utf8_decode(s, 6), (std::pair<char32_t, size_t>{U'\U0001F600', 4}));
  EXPECT_EQ(utf8_decode(s, 10), (std::pair<char32_t, size_t>{U'\uFFFD', 1}));
}

}  // namespace
}  // namespace strata::data::text
