#include "strata/data/text/beam_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::data::text {
namespace {

constexpr int64_t kBos = 1, kEos = 2, kA = 3, kB = 4, kVocab = 5;

// A bigram model: log P(next | last token of the prefix, row) from per-row tables [kVocab][kVocab].
using Table = std::vector<std::vector<double>>;

NextTokenScores bigram(std::vector<Table> tables, int64_t* calls = nullptr) {
  return [tables = std::move(tables), calls](const Tensor& prefixes, const std::vector<int64_t>& rows) {
    if (calls != nullptr) ++*calls;
    const auto n = prefixes.size(0), t = prefixes.size(1);
    const auto ids = prefixes.to_vector<int64_t>();
    std::vector<float> out;
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(ids[static_cast<size_t>(i * t)], kBos);
      const int64_t last = ids[static_cast<size_t>(i * t + t - 1)];
      for (double p : tables[static_cast<size_t>(rows[static_cast<size_t>(i)])][static_cast<size_t>(last)])
        out.push_back(static_cast<float>(std::log(p)));
    }
    return from_vector(out, Shape{n, kVocab});
  };
}

// After <bos>: A .55, B .45; after A: A .5, <eos> .4, B .1; after B: <eos> .9. Greedy keeps taking A; the
// best sequence is B <eos> (p = .405).
Table trap() {
  const double e = 1e-6;
  return {{.2, .2, .2, .2, .2},
          {e, e, e, .55, .45},
          {.2, .2, .2, .2, .2},
          {e, e, .4, .5, .1},
          {e, e, .9, .05, .05}};
}

// After <bos>: B .9; after B: <eos> .8.
Table direct() {
  const double e = 1e-6;
  return {{.2, .2, .2, .2, .2},
          {e, e, .05, .05, .9},
          {.2, .2, .2, .2, .2},
          {e, e, .5, .3, .2},
          {e, e, .8, .1, .1}};
}

TEST(GreedySearch, TakesTheLikeliestTokenUntilEosOrMaxLength) {
  const auto out =
      greedy_search(bigram({trap(), direct()}), 2, {.bos_id = kBos, .eos_id = kEos, .max_length = 5});
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].tokens, (std::vector<int64_t>{kA, kA, kA, kA, kA}));
  EXPECT_EQ(out[1].tokens, (std::vector<int64_t>{kB}));
  EXPECT_NEAR(out[1].score, std::log(0.9F) + std::log(0.8F), 1e-5);
}

TEST(BeamSearch, FindsTheSequenceGreedyMisses) {
  int64_t calls = 0;
  const auto out =
      beam_search(bigram({trap(), direct()}, &calls), 2,
                  {.bos_id = kBos, .eos_id = kEos, .max_length = 5, .beam_size = 2, .length_penalty = 0.0});
  EXPECT_EQ(out[0].tokens, (std::vector<int64_t>{kB}));
  EXPECT_NEAR(out[0].score, std::log(0.45F) + std::log(0.9F), 1e-5);
  EXPECT_EQ(out[1].tokens, (std::vector<int64_t>{kB}));
  EXPECT_LE(calls, 3);  // both rows finish with two hypotheses by step 3, in one call per step
}

TEST(BeamSearch, LengthPenaltyFavoursLongerSequences) {
  // After <bos>: <eos> .4, A .59; after A: A .55, <eos> .45. Raw sums prefer stopping at once (log .4);
  // per token, A <eos> is better (log(.59 * .45) / 2 > log .4).
  const double e = 1e-6;
  const Table t = {{.2, .2, .2, .2, .2},
                   {e, e, .4, .59, e},
                   {.2, .2, .2, .2, .2},
                   {e, e, .45, .55, e},
                   {.2, .2, .2, .2, .2}};
  const SearchOptions raw{
      .bos_id = kBos, .eos_id = kEos, .max_length = 3, .beam_size = 3, .length_penalty = 0};
  EXPECT_TRUE(beam_search(bigram({t}), 1, raw)[0].tokens.empty());
  SearchOptions normalised = raw;
  normalised.length_penalty = 1.0;
  EXPECT_FALSE(beam_search(bigram({t}), 1, normalised)[0].tokens.empty());
}

TEST(BeamSearch, BeamOfOneIsGreedy) {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> uniform(0.05, 1.0);
  std::vector<Table> tables;
  for (int r = 0; r < 4; ++r) {
    Table t(kVocab, std::vector<double>(kVocab));
    for (auto& row : t) {
      double sum = 0;
      for (auto& p : row) sum += (p = uniform(gen));
      for (auto& p : row) p /= sum;
    }
    tables.push_back(t);
  }
  const SearchOptions o{.bos_id = kBos, .eos_id = kEos, .max_length = 8, .beam_size = 1, .length_penalty = 0};
  const auto g = greedy_search(bigram(tables), 4, o);
  const auto b = beam_search(bigram(tables), 4, o);
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_EQ(g[r].tokens, b[r].tokens) << "row " << r;
    EXPECT_NEAR(g[r].score, b[r].score, 1e-5) << "row " << r;
  }
}

TEST(BeamSearch, BadArgumentsAreNamed) {
  const auto f = bigram({trap()});
  EXPECT_ERROR_CONTAINS(beam_search(f, 1, {.beam_size = 0}), "beam_search", "beam_size");
  EXPECT_ERROR_CONTAINS(greedy_search(f, 1, {.max_length = 0}), "greedy_search", "max_length");
  EXPECT_ERROR_CONTAINS(beam_search(f, 1, {.length_penalty = -1}), "length_penalty");
  const NextTokenScores wrong = [](const Tensor& p, const std::vector<int64_t>&) {
    return zeros(Shape{p.size(0) + 1, 3});
  };
  EXPECT_ERROR_CONTAINS(greedy_search(wrong, 2, {}), "greedy_search", "[3, 3]", "2 prefixes");
  EXPECT_TRUE(greedy_search(f, 0, {}).empty());
}

}  // namespace
}  // namespace strata::data::text
