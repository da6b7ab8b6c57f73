// corpus_bleu against NLTK's corpus_bleu (scripts/gen_fixtures_bleu.py): several references, clipping, short
// and empty hypotheses, zero matches, custom weights.
#include <gtest/gtest.h>

#include <set>

#include "strata/io/safetensors.h"
#include "strata/metrics/bleu.h"

namespace strata::metrics {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto tensors = io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/bleu.safetensors");
  return tensors;
}

std::vector<std::string> case_names() {
  std::set<std::string> names;
  for (const auto& [key, t] : fixture()) names.insert(key.substr(0, key.find('.')));
  return {names.begin(), names.end()};
}

std::string text_of(const Tensor& bytes) {
  const auto v = bytes.to_vector<uint8_t>();
  return {v.begin(), v.end()};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

Tokens words(const std::string& line) {
  Tokens t;
  for (auto& w : split(line, ' '))
    if (!w.empty()) t.push_back(w);
  return t;
}

class BleuGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(BleuGolden, MatchesNltk) {
  const std::string c = GetParam();
  std::vector<Tokens> hyps;
  for (const auto& line : split(text_of(fixture().at(c + ".hypotheses")), '\n')) hyps.push_back(words(line));
  std::vector<std::vector<Tokens>> refs;
  for (const auto& line : split(text_of(fixture().at(c + ".references")), '\n')) {
    refs.emplace_back();
    for (const auto& r : split(line, '\t')) refs.back().push_back(words(r));
  }
  const auto weights = fixture().at(c + ".weights").to_vector<double>();
  const double want = fixture().at(c + ".bleu").item();
  const double got =
      corpus_bleu(refs, hyps, {.max_n = static_cast<int64_t>(weights.size()), .weights = weights});
  EXPECT_NEAR(got, want, 1e-6);
  EXPECT_NEAR(got, want, 1e-9 * std::abs(want)) << "relative";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BleuGolden, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(BleuGolden, FixtureHoldsTheCases) { EXPECT_GE(case_names().size(), 15U); }

}  // namespace
}  // namespace strata::metrics
