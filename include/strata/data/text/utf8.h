#pragma once
// UTF-8 helpers for the tokenizers: splitting text into characters and validating it.
#include <string>
#include <string_view>
#include <vector>

namespace strata::data::text {

// Length in bytes of the well-formed UTF-8 character starting at s[pos], or 0 when the bytes there are not
// one (a stray continuation byte, a truncated or overlong sequence, a surrogate, a value above U+10FFFF).
size_t utf8_char_length(std::string_view s, size_t pos);

// Splits text into characters (code points); every byte that does not start a well-formed character becomes
// a one-byte piece of its own, so the pieces always concatenate back to the input.
std::vector<std::string_view> utf8_chars(std::string_view text);

// True when the whole string is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

// ASCII letters lowered; every other byte (including UTF-8 multi-byte characters) unchanged.
std::string ascii_lower(std::string_view s);

}  // namespace strata::data::text
