#include "strata/data/text/lm_dataset.h"

#include <cmath>
#include <numbers>

namespace strata::data::text {
namespace {

void check_stream(const Tensor& tokens, const char* what) {
  STRATA_CHECK(tokens.defined(), "{}: tokens are undefined", what);
  STRATA_CHECK(tokens.dim() == 1 && tokens.dtype() == kInt64,
               "{}: tokens must be an i64 [N] tensor, got {} of shape {}", what, dtype_name(tokens.dtype()),
               tokens.shape().str());
  STRATA_CHECK(tokens.device() == kCPU, "{}: tokens must be on the CPU", what);
}

}  // namespace

LanguageModelDataset::LanguageModelDataset(Tensor tokens, int64_t seq_len, int64_t stride)
    : tokens_(std::move(tokens)), seq_len_(seq_len), stride_(stride == 0 ? seq_len : stride) {
  check_stream(tokens_, "LanguageModelDataset");
  STRATA_CHECK(seq_len > 0, "LanguageModelDataset: seq_len must be positive, got {}", seq_len);
  STRATA_CHECK(stride >= 0, "LanguageModelDataset: stride must be >= 0, got {}", stride);
  const int64_t n = tokens_.size(0);
  STRATA_CHECK(
      n >= seq_len + 1,
      "LanguageModelDataset: a stream of {} tokens is too short for one window of seq_len {} (needs {})", n,
      seq_len, seq_len + 1);
  size_ = (n - seq_len - 1) / stride_ + 1;
}

Example LanguageModelDataset::get(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size_,
               "LanguageModelDataset: index {} is out of range for a dataset of size {}", index, size_);
  const int64_t start = index * stride_;
  return {tokens_.narrow(0, start, seq_len_), tokens_.narrow(0, start + 1, seq_len_)};
}

std::pair<Tensor, Tensor> split_stream(const Tensor& tokens, double fraction) {
  check_stream(tokens, "split_stream");
  STRATA_CHECK(fraction >= 0.0 && fraction <= 1.0, "split_stream: fraction must be in [0, 1], got {}",
               fraction);
  const int64_t n = tokens.size(0);
  const auto head = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  return {tokens.narrow(0, 0, head), tokens.narrow(0, head, n - head)};
}

double unigram_bits_per_token(const Tensor& train_tokens, const Tensor& eval_tokens, int64_t vocab_size,
                              double smoothing) {
  check_stream(train_tokens, "unigram_bits_per_token");
  check_stream(eval_tokens, "unigram_bits_per_token");
  STRATA_CHECK(vocab_size > 0, "unigram_bits_per_token: vocab_size must be positive, got {}", vocab_size);
  STRATA_CHECK(smoothing > 0, "unigram_bits_per_token: smoothing must be positive, got {}", smoothing);
  STRATA_CHECK(eval_tokens.numel() > 0, "unigram_bits_per_token: eval_tokens is empty");
  std::vector<double> counts(static_cast<size_t>(vocab_size), smoothing);
  const auto count_into = [&](const Tensor& t, auto&& fn) {
    const Tensor c = t.contiguous();
    const int64_t* p = c.data_ptr<int64_t>();
    for (int64_t i = 0; i < c.numel(); ++i) {
      STRATA_CHECK(p[i] >= 0 && p[i] < vocab_size,
                   "unigram_bits_per_token: token {} at {} is outside [0, {})", p[i], i, vocab_size);
      fn(p[i]);
    }
  };
  count_into(train_tokens, [&](int64_t id) { counts[static_cast<size_t>(id)] += 1.0; });
  double total = 0;
  for (double c : counts) total += c;
  double bits = 0;
  count_into(eval_tokens, [&](int64_t id) { bits -= std::log2(counts[static_cast<size_t>(id)] / total); });
  return bits / static_cast<double>(eval_tokens.numel());
}

double nats_to_bits(double nats) { return nats / std::numbers::ln2; }

}  // namespace strata::data::text
