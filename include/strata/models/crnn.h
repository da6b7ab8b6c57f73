#pragma once
// CRNN for speech recognition with CTC: a convolutional front end over log-mel features, a bidirectional GRU
// over time, and a linear layer to per-step class log-probabilities (class 0 is the CTC blank).
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/module.h"
#include "strata/nn/rnn.h"

namespace strata::models {

struct CRNNOptions {
  int64_t channels = 32;   // the second conv block's channels (the first has half)
  int64_t hidden = 96;     // GRU hidden size per direction
  int64_t num_layers = 2;  // GRU layers
};

class CRNNImpl : public nn::Module {
 public:
  // n_mels feature bands in, num_classes outputs per step (blank included).
  CRNNImpl(int64_t n_mels, int64_t num_classes, CRNNOptions options = {});
  // features [N, 1, n_mels, T] -> log-probabilities [T / 2, N, num_classes] (CTC's layout).
  Tensor forward(const Tensor& features) override;
  // (log-probabilities, output steps) for inputs whose valid frames are `frames` (i64 [N]): padding is not
  // read by the GRU.
  std::pair<Tensor, Tensor> forward(const Tensor& features, const Tensor& frames);
  // The output steps of an input of `frames` frames.
  static int64_t output_steps(int64_t frames) { return frames / 2; }

  nn::Sequential features;
  nn::GRU rnn{nullptr};
  nn::Linear head{nullptr};
};

STRATA_MODULE_HOLDER(CRNN);

}  // namespace strata::models
