#pragma once
// "Did you mean" hints for error messages about misspelt names (models, layers, fields).
#include <string>
#include <vector>

namespace strata {

// " (did you mean 'flatten'?)" when the closest of `known` is within a third of `word`'s length (at least
// one edit; an adjacent transposition counts as one) and is not `word` itself, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);

}  // namespace strata
