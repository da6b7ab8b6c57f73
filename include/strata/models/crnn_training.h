#pragma once
// Training and decoding of a CRNN on digit strings with CTC: class 0 is the blank, digit d is class d + 1.
#include <functional>
#include <string>
#include <vector>

#include "strata/data/audio/spoken_digits.h"
#include "strata/models/crnn.h"

namespace strata::models {

struct CtcFitOptions {
  int64_t epochs = 10;
  int64_t batch_size = 16;
  double lr = 2e-3;            // Adam, halved over the last third of the epochs
  double max_grad_norm = 5.0;  // gradient clipping
  uint64_t seed = 0;           // shuffling
  // Called after each epoch with its index (from 1) and mean CTC loss.
  std::function<void(int64_t epoch, double loss)> on_epoch{};
};

// Trains `model` on the strings (features, frames, transcripts) with nn::CTCLoss; returns the last epoch's
// mean loss.
double fit_ctc(CRNN& model, const data::audio::DigitStrings& train, const CtcFitOptions& options = {});

// The digit strings the model hears in each example: greedy decoding, or prefix beam search when
// beam_width > 1.
std::vector<std::string> transcribe(CRNN& model, const data::audio::DigitStrings& strings,
                                    int64_t beam_width = 1, int64_t batch_size = 32);

// Error rates of transcripts against references: cer over digits, wer over the spoken digit words
// ("four zero seven"; the same count as cer, each digit being one word), string_error the fraction of
// strings with any error.
struct TranscriptErrors {
  double cer = 0, wer = 0, string_error = 0;
};
TranscriptErrors transcript_errors(const std::vector<std::string>& hypotheses,
                                   const std::vector<std::string>& references);

}  // namespace strata::models
