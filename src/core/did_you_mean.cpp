#include "strata/core/did_you_mean.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace strata {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions
// ("rleu" is one edit from "relu").
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& k : known) {
    const size_t d = edit_distance(word, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  if (best.empty() || best_distance == 0 || best_distance > std::max<size_t>(1, word.size() / 3)) return "";
  return fmt::format(" (did you mean '{}'?)", best);
}

}  // namespace strata
