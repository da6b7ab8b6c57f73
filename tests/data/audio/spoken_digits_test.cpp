// Spoken digits: the synthetic splits of `scripts/fetch-data speech` and the real recordings, as log-mel
// features; missing data names the command that makes it.
#include "strata/data/audio/spoken_digits.h"

#include "test_util.h"

namespace strata {
namespace {

namespace da = data::audio;

TEST(SpokenDigits, RealRecordingsAreTheTenDigits) {
  const auto real = da::spoken_digits("real");
  ASSERT_EQ(real->size(), 10);
  EXPECT_EQ(real->inputs().shape(), Shape({10, 1, 40, 101}));  // 1 s at 8 kHz, hop 80
  EXPECT_EQ(real->targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // Standardised per recording.
  EXPECT_NEAR(ops::mean(real->inputs().select(0, 3)).item(), 0.0, 1e-4);
  EXPECT_NEAR(ops::std(real->inputs().select(0, 3), false).item(), 1.0, 1e-3);
}

TEST(SpokenDigits, SyntheticSplitsKeepEveryClass) {
  const auto train = da::spoken_digits("train", {.limit = 20});
  ASSERT_EQ(train->size(), 20);
  const auto labels = train->targets().to_vector<int64_t>();
  for (int64_t d = 0; d < 10; ++d) EXPECT_EQ(std::count(labels.begin(), labels.end(), d), 2) << d;
  const auto augmented = da::spoken_digits("train", {.limit = 10, .augment = true});
  EXPECT_EQ(augmented->size(), 20);  // each recording once more, faster or slower and noisy
  EXPECT_FALSE(
      ops::max(ops::abs(augmented->inputs().select(0, 0) - augmented->inputs().select(0, 1))).item() < 1e-3);
  EXPECT_EQ(da::spoken_digits("test", {.limit = 10})->size(), 10);
}

TEST(SpokenDigits, DigitStringsHaveTranscriptsAndFrames) {
  const auto s = da::digit_strings("test", {.limit = 6});
  ASSERT_EQ(s.transcripts.size(), 6u);
  EXPECT_EQ(s.features.size(0), 6);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_GE(s.transcripts[i].size(), 3u);
    EXPECT_LE(s.transcripts[i].size(), 7u);
    EXPECT_LE(s.frames[i], s.features.size(3));
    EXPECT_GT(s.frames[i], 25 * static_cast<int64_t>(s.transcripts[i].size()));  // > 0.25 s per digit
  }
}

TEST(SpokenDigits, MissingDataNamesTheFix) {
  EXPECT_ERROR_CONTAINS(da::spoken_digits("train", {.root = "/nonexistent"}), "/nonexistent/digits/train",
                        "scripts/fetch-data speech");
  EXPECT_ERROR_CONTAINS(da::spoken_digits("valid"), "split 'valid'");
  EXPECT_ERROR_CONTAINS(da::digit_strings("real"), "split 'real'");
  EXPECT_ERROR_CONTAINS(da::spoken_digits("real", {.root = "/nonexistent"}), "/nonexistent/0.wav",
                        "asterisk-core-sounds-en-wav");
}

}  // namespace
}  // namespace strata
