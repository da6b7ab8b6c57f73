#pragma once
// Glob patterns on dotted names ("layer1.*", "*.bn*.weight"), as freeze/unfreeze, parameter groups and
// state-dict filters use them: '*' matches any run of characters, dots included; '?' matches one
// character; every other character matches itself. The whole name must match.
#include <string_view>

namespace strata {

// Whether `text` matches the glob `pattern` ('*': any run of characters, '?': one character).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace strata
