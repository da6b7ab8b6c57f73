// CTC decoding (greedy and prefix beam search) and error rates.
#include "strata/audio/ctc_decode.h"

#include "test_util.h"

namespace strata {
namespace {

Tensor log_of(std::vector<double> p, int64_t T, int64_t C) { return ops::log(from_vector(p, {T, C})); }

TEST(CtcDecode, GreedyMergesRepeatsAndDropsBlanks) {
  // argmax path: 1 1 0 1 2 2 0 -> 1 1 2
  const Tensor lp =
      ops::log(ops::one_hot(from_vector<int64_t>({1, 1, 0, 1, 2, 2, 0}), 3).to(kFloat64) * 0.9 + 0.05);
  EXPECT_EQ(audio::ctc_greedy_decode(lp), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_EQ(audio::ctc_greedy_decode(lp, 2), (std::vector<int64_t>{1, 0, 1, 0}));
}

// The best single path is blank-blank (0.36), but label 1 sums three paths ("1-", "-1", "11") to 0.64:
// beam search finds the more probable sequence that greedy decoding misses.
TEST(CtcDecode, BeamSearchSumsAlignments) {
  const Tensor lp = log_of({0.6, 0.4, 0.6, 0.4}, 2, 2);
  EXPECT_TRUE(audio::ctc_greedy_decode(lp).empty());
  const auto beams = audio::ctc_beam_search(lp, 4);
  ASSERT_EQ(beams.size(), 2u);
  EXPECT_EQ(beams[0].tokens, (std::vector<int64_t>{1}));
  EXPECT_NEAR(std::exp(beams[0].log_prob), 0.4 * 0.6 + 0.6 * 0.4 + 0.4 * 0.4, 1e-12);
  EXPECT_NEAR(std::exp(beams[1].log_prob), 0.36, 1e-12);
  EXPECT_ERROR_CONTAINS(audio::ctc_beam_search(lp, 0), "beam_width");
  EXPECT_ERROR_CONTAINS(audio::ctc_greedy_decode(zeros({2, 2, 2})), "ctc_greedy_decode", "[2, 2, 2]");
}

// With a full beam, the probabilities of all label sequences add up to 1.
TEST(CtcDecode, FullBeamIsADistribution) {
  Generator g(4);
  const Tensor lp = F::log_softmax(randn({4, 3}, {.dtype = kFloat64}, &g), 1);
  double total = 0;
  for (const auto& h : audio::ctc_beam_search(lp, 1000)) total += std::exp(h.log_prob);
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(CtcDecode, ErrorRates) {
  EXPECT_EQ(audio::edit_distance({1, 2, 3}, {1, 3}), 1);
  EXPECT_EQ(audio::edit_distance({}, {4, 4}), 2);
  EXPECT_DOUBLE_EQ(audio::character_error_rate({"123", "45"}, {"124", "456"}), 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(audio::word_error_rate({"one two", "three"}, {"one too", "three four"}), 2.0 / 4.0);
  EXPECT_ERROR_CONTAINS(audio::word_error_rate({"a"}, {}), "1 hypotheses for 0 references");
  EXPECT_ERROR_CONTAINS(audio::character_error_rate({""}, {""}), "empty");
}

}  // namespace
}  // namespace strata
