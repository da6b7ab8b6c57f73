// SpecAugment masks, additive noise at an SNR, and speed perturbation.
#include "strata/audio/augment.h"

#include "test_util.h"

namespace strata {
namespace {

TEST(AudioAugment, TimeMaskZeroesOneBandOfColumns) {
  const Tensor spec = ones({3, 8, 50});
  Generator g(3);
  const Tensor m = audio::time_mask(spec, 20, g);
  EXPECT_EQ(m.shape(), spec.shape());
  int64_t masked_columns = 0;
  for (int64_t t = 0; t < 50; ++t) {
    const double col = ops::sum(m.select(2, t)).item();
    EXPECT_TRUE(col == 0 || col == 24) << t;  // a whole column or none
    masked_columns += col == 0;
  }
  EXPECT_LE(masked_columns, 20);
  // Seeded: the same generator state gives the same mask.
  Generator g2(3);
  EXPECT_EQ(audio::time_mask(spec, 20, g2).to_vector<float>(), m.to_vector<float>());
}

TEST(AudioAugment, FrequencyMaskZeroesRowsAndKeepsGradients) {
  const Tensor spec = ones({16, 10}).requires_grad_();
  Generator g(5);
  int64_t widest = 0;
  for (int i = 0; i < 20; ++i) {
    const Tensor m = audio::frequency_mask(spec, 6, g, -1.0);
    int64_t rows = 0;
    for (int64_t f = 0; f < 16; ++f) rows += m.select(0, f).to_vector<float>()[0] == -1.0f;
    widest = std::max(widest, rows);
    EXPECT_LE(rows, 6);
  }
  EXPECT_GT(widest, 0);
  const Tensor m = audio::frequency_mask(spec, 6, g);
  ops::sum(m).backward();
  EXPECT_EQ(ops::sum(spec.grad()).item(), ops::sum(m).item());  // gradient 1 exactly where kept
  EXPECT_ERROR_CONTAINS(audio::time_mask(ones({5}), 2, g), "mask_along_axis", "[5]");
  EXPECT_ERROR_CONTAINS(audio::time_mask(ones({5, 5}), -1, g), "max_width");
}

TEST(AudioAugment, NoiseHasTheRequestedSnr) {
  const Tensor x = ops::sin(arange(8000.0) * 0.05);
  Generator g(1);
  const Tensor y = audio::add_noise(x, 10.0, g);
  const double signal = ops::mean(x * x).item(), noise = ops::mean((y - x) * (y - x)).item();
  EXPECT_NEAR(10.0 * std::log10(signal / noise), 10.0, 1e-3);
  EXPECT_ERROR_CONTAINS(audio::add_noise(x, std::nan(""), g), "snr_db");
}

TEST(AudioAugment, SpeedChangesTheLength) {
  const Tensor x = ops::sin(arange(8000.0) * 0.05).unsqueeze(0);
  EXPECT_EQ(audio::speed(x, 8000, 1.25).size(1), 6400);
  EXPECT_EQ(audio::speed(x, 8000, 0.8).size(1), 10000);
  EXPECT_ERROR_CONTAINS(audio::speed(x, 8000, 0.0), "speed", "factor");
}

}  // namespace
}  // namespace strata
