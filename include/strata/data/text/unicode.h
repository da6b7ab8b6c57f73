#pragma once
// Unicode character classes for tokenizers: letters (\p{L}), numbers (\p{N}) and white space (\s), and
// decoding one UTF-8 character to its code point. The L and N tables are generated from the Unicode
// Character Database by scripts/gen_unicode_tables.py.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace strata::data::text {

// True for a code point of general category L (Lu, Ll, Lt, Lm, Lo).
bool is_unicode_letter(char32_t cp);
// True for a code point of general category N (Nd, Nl, No).
bool is_unicode_number(char32_t cp);
// True for a code point with the White_Space property (what a Unicode regex's \s matches).
bool is_unicode_whitespace(char32_t cp);

// The code point of the well-formed UTF-8 character at s[pos] and its length in bytes; a byte that does not
// start one decodes as length 1 with code point U+FFFD.
std::pair<char32_t, size_t> utf8_decode(std::string_view s, size_t pos);

namespace detail {
struct CodePointRange {
  char32_t first, last;
};
extern const CodePointRange kLetterRanges[];
extern const size_t kLetterRangeCount;
extern const CodePointRange kNumberRanges[];
extern const size_t kNumberRangeCount;
}  // namespace detail

}  // namespace strata::data::text
