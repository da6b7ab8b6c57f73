#include "strata/data/text/unicode.h"

#include <algorithm>

#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

bool in_ranges(const detail::CodePointRange* ranges, size_t count, char32_t cp) {
  const detail::CodePointRange* end = ranges + count;
  // The first range whose last code point is at or above cp.
  const auto* it = std::lower_bound(ranges, end, cp,
                                    [](const detail::CodePointRange& r, char32_t c) { return r.last < c; });
  return it != end && it->first <= cp;
}

}  // namespace

bool is_unicode_letter(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  return in_ranges(detail::kLetterRanges, detail::kLetterRangeCount, cp);
}

bool is_unicode_number(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(detail::kNumberRanges, detail::kNumberRangeCount, cp);
}

bool is_unicode_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

std::pair<char32_t, size_t> utf8_decode(std::string_view s, size_t pos) {
  const size_t len = utf8_char_length(s, pos);
  if (len == 0) return {U'\uFFFD', 1};
  const auto c0 = static_cast<unsigned char>(s[pos]);
  if (len == 1) return {c0, 1};
  char32_t cp = c0 & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3Fu);
  return {cp, len};
}

}  // namespace strata::data::text
