#pragma once
// "Did you mean" suggestions for misspelt names (layers, fields, models).
#include <string>
#include <vector>

namespace strata {

// " (did you mean 'flatten'?)" when a known word is within a small edit distance of `word` (adjacent
// transpositions count as one edit), else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);

}  // namespace strata
