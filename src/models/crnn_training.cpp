// CTC training of a CRNN on digit strings: shuffled mini-batches cut to their longest example, targets
// padded with the blank, Adam with gradient clipping.
#include "strata/models/crnn_training.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "strata/audio/ctc_decode.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/nn/ctc_loss.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"
#include "strata/optim/adam.h"
#include "strata/optim/clip.h"

namespace strata::models {
namespace {

struct Batch {
  Tensor features, frames, targets, target_lengths;
};

Batch make_batch(const data::audio::DigitStrings& s, const std::vector<int64_t>& rows) {
  int64_t longest = 0;
  size_t max_len = 0;
  std::vector<int64_t> frames, lengths;
  for (int64_t r : rows) {
    longest = std::max(longest, s.frames[static_cast<size_t>(r)]);
    max_len = std::max(max_len, s.transcripts[static_cast<size_t>(r)].size());
  }
  std::vector<int64_t> targets(rows.size() * max_len, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& t = s.transcripts[static_cast<size_t>(rows[i])];
    for (size_t j = 0; j < t.size(); ++j) targets[i * max_len + j] = t[j] - '0' + 1;
    frames.push_back(s.frames[static_cast<size_t>(rows[i])]);
    lengths.push_back(static_cast<int64_t>(t.size()));
  }
  const auto n = static_cast<int64_t>(rows.size());
  const Tensor index = from_vector(rows, {n});
  return {ops::slice(ops::index_select(s.features, 0, index), 3, 0, longest).contiguous(),
          from_vector(frames, {n}), from_vector(targets, {n, static_cast<int64_t>(max_len)}),
          from_vector(lengths, {n})};
}

std::string spelled(const std::string& digits) {
  static const char* kWords[] = {"zero", "one", "two",   "three", "four",
                                 "five", "six", "seven", "eight", "nine"};
  std::string out;
  for (char c : digits) {
    if (!out.empty()) out += ' ';
    out += kWords[c - '0'];
  }
  return out;
}

}  // namespace

double fit_ctc(CRNN& model, const data::audio::DigitStrings& train, const CtcFitOptions& o) {
  const auto n = static_cast<int64_t>(train.transcripts.size());
  STRATA_CHECK(n > 0 && o.epochs > 0 && o.batch_size > 0,
               "fit_ctc: needs examples, epochs and batch_size > 0");
  optim::Adam adam(model->parameters(), {.lr = o.lr});
  nn::CTCLoss ctc(0, ops::Reduction::Mean, true);
  std::mt19937_64 rng(o.seed);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  double epoch_loss = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    if (epoch > o.epochs * 2 / 3) adam.set_lr(o.lr / 2);
    model->train();
    std::shuffle(order.begin(), order.end(), rng);
    double total = 0;
    int64_t batches = 0;
    for (int64_t start = 0; start < n; start += o.batch_size) {
      const std::vector<int64_t> rows(order.begin() + start,
                                      order.begin() + std::min(n, start + o.batch_size));
      const Batch b = make_batch(train, rows);
      auto [log_probs, steps] = model->forward(b.features, b.frames);
      const Tensor loss = ctc(log_probs, b.targets, steps, b.target_lengths);
      adam.zero_grad();
      loss.backward();
      optim::clip_grad_norm_(model->parameters(), o.max_grad_norm);
      adam.step();
      total += loss.item();
      ++batches;
    }
    epoch_loss = total / static_cast<double>(batches);
    if (o.on_epoch) o.on_epoch(epoch, epoch_loss);
  }
  return epoch_loss;
}

std::vector<std::string> transcribe(CRNN& model, const data::audio::DigitStrings& s, int64_t beam_width,
                                    int64_t batch_size) {
  model->eval();
  NoGradGuard no_grad;
  std::vector<std::string> out;
  const auto n = static_cast<int64_t>(s.transcripts.size());
  for (int64_t start = 0; start < n; start += batch_size) {
    std::vector<int64_t> rows(static_cast<size_t>(std::min(n, start + batch_size) - start));
    std::iota(rows.begin(), rows.end(), start);
    const Batch b = make_batch(s, rows);
    auto [log_probs, steps] = model->forward(b.features, b.frames);
    const auto lengths = steps.to_vector<int64_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
      const Tensor lp = ops::slice(log_probs.select(1, static_cast<int64_t>(i)), 0, 0, lengths[i]);
      const std::vector<int64_t> labels =
          beam_width > 1 ? audio::ctc_beam_search(lp, beam_width)[0].tokens : audio::ctc_greedy_decode(lp);
      std::string text;
      for (int64_t l : labels) text += static_cast<char>('0' + l - 1);
      out.push_back(text);
    }
  }
  return out;
}

TranscriptErrors transcript_errors(const std::vector<std::string>& hypotheses,
                                   const std::vector<std::string>& references) {
  std::vector<std::string> hyp_words, ref_words;
  int64_t wrong = 0;
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    hyp_words.push_back(spelled(hypotheses[i]));
    ref_words.push_back(spelled(references[i]));
    wrong += hypotheses[i] != references[i];
  }
  return {audio::character_error_rate(hypotheses, references), audio::word_error_rate(hyp_words, ref_words),
          static_cast<double>(wrong) / static_cast<double>(std::max<size_t>(hypotheses.size(), 1))};
}

}  // namespace strata::models
