// A CRNN learns digit strings with CTC: a short run on a subset of the synthetic strings (needs
// `scripts/fetch-data speech`) transcribes strings in unseen voices far better than chance; the full run is
// in docs/apps.md.
#include "strata/models/crnn_training.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(CrnnTrainingE2E, TranscribesDigitStringsOfUnseenVoices) {
  set_num_threads(2);
  const auto train = data::audio::digit_strings("train", {.limit = 240});
  const auto test = data::audio::digit_strings("test", {.limit = 40});
  manual_seed(0);
  models::CRNN model(40, 11, {.channels = 16, .hidden = 48, .num_layers = 1});
  std::vector<double> losses;
  models::fit_ctc(model, train, {.epochs = 8, .lr = 3e-3, .on_epoch = [&](int64_t, double loss) {
                                   losses.push_back(loss);
                                 }});
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  const auto heard = models::transcribe(model, test, 4);
  const auto errors = models::transcript_errors(heard, test.transcripts);
  // Guessing the commonest length of random digits errs on about 90% of them.
  EXPECT_LT(errors.cer, 0.5) << "CER " << errors.cer << ", WER " << errors.wer;
}

TEST(CrnnTrainingE2E, OutputsCtcLayout) {
  models::CRNN model(40, 11, {.channels = 8, .hidden = 8, .num_layers = 1});
  auto [lp, steps] = model->forward(zeros({3, 1, 40, 50}), from_vector<int64_t>({50, 31, 20}));
  EXPECT_EQ(lp.shape(), Shape({25, 3, 11}));
  EXPECT_EQ(steps.to_vector<int64_t>(), (std::vector<int64_t>{25, 15, 10}));
  EXPECT_ERROR_CONTAINS(model->forward(zeros({3, 40, 50})), "CRNN", "[3, 40, 50]");
}

}  // namespace
}  // namespace strata
