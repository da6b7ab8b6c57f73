#include "strata/data/text/masking.h"

#include <algorithm>
#include <unordered_set>

#include "../shuffle.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::text {
namespace {

// Uniform double in [0, 1) from 53 random bits.
double uniform(Generator& gen) { return static_cast<double>(gen.engine()() >> 11) * 0x1.0p-53; }

void check_options(const MaskOptions& o) {
  STRATA_CHECK(o.vocab_size > 0, "mask_tokens: vocab_size must be positive, got {}", o.vocab_size);
  STRATA_CHECK(o.mask_token >= 0 && o.mask_token < o.vocab_size,
               "mask_tokens: mask_token {} is not an id of the vocabulary of {} tokens", o.mask_token,
               o.vocab_size);
  STRATA_CHECK(o.mask_prob >= 0.0 && o.mask_prob <= 1.0, "mask_tokens: mask_prob must be in [0, 1], got {}",
               o.mask_prob);
  STRATA_CHECK(
      o.mask_replace_prob >= 0.0 && o.random_replace_prob >= 0.0 &&
          o.mask_replace_prob + o.random_replace_prob <= 1.0 + 1e-12,
      "mask_tokens: mask_replace_prob {} and random_replace_prob {} must be >= 0 and sum to at most 1",
      o.mask_replace_prob, o.random_replace_prob);
  const auto specials =
      static_cast<int64_t>(std::unordered_set<int64_t>(o.special_ids.begin(), o.special_ids.end()).size());
  STRATA_CHECK(o.random_replace_prob == 0.0 || specials < o.vocab_size,
               "mask_tokens: all {} ids of the vocabulary are special; no random replacement can be drawn",
               o.vocab_size);
}

}  // namespace

MaskedTokens mask_tokens(const Tensor& ids, const MaskOptions& options, Generator& gen) {
  STRATA_CHECK(ids.dtype() == kInt64, "mask_tokens: expected i64 token ids, got {} {}",
               dtype_name(ids.dtype()), ids.shape().str());
  check_options(options);
  const std::unordered_set<int64_t> special(options.special_ids.begin(), options.special_ids.end());
  const Tensor src = ids.contiguous();
  const int64_t n = src.numel();
  const int64_t* in = src.data_ptr<int64_t>();
  std::vector<int64_t> out(in, in + n), labels(static_cast<size_t>(n), options.ignore_index);
  const double keep_from = options.mask_replace_prob + options.random_replace_prob;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t tok = in[i];
    STRATA_CHECK(tok >= 0 && tok < options.vocab_size,
                 "mask_tokens: token id {} at position {} is outside the vocabulary of {} tokens", tok, i,
                 options.vocab_size);
    // Two draws per token whatever happens, so one token's fate never shifts the next one's stream.
    const double select = uniform(gen), how = uniform(gen);
    if (special.count(tok) != 0 || select >= options.mask_prob) continue;
    labels[static_cast<size_t>(i)] = tok;
    if (how < options.mask_replace_prob) {
      out[static_cast<size_t>(i)] = options.mask_token;
    } else if (how < keep_from) {
      int64_t r;
      do {
        r = static_cast<int64_t>(detail::bounded(gen.engine(), static_cast<uint64_t>(options.vocab_size)));
      } while (special.count(r) != 0);
      out[static_cast<size_t>(i)] = r;
    }
  }
  return {from_vector(out, ids.shape()), from_vector(labels, ids.shape())};
}

MaskedLanguageModelDataset::MaskedLanguageModelDataset(std::shared_ptr<const Dataset> base,
                                                       MaskOptions options, uint64_t seed)
    : base_(std::move(base)), options_(std::move(options)), seed_(seed) {
  STRATA_CHECK(base_ != nullptr, "MaskedLanguageModelDataset: the base dataset is null");
  check_options(options_);
  reads_ = std::make_unique<std::atomic<uint32_t>[]>(static_cast<size_t>(base_->size()));
}

void MaskedLanguageModelDataset::set_epoch(int64_t epoch) const {
  STRATA_CHECK(epoch >= 0, "MaskedLanguageModelDataset: set_epoch expects a non-negative epoch, got {}",
               epoch);
  base_->set_epoch(epoch);
  for (int64_t i = 0; i < size(); ++i)
    reads_[static_cast<size_t>(i)].store(static_cast<uint32_t>(epoch), std::memory_order_relaxed);
}

Example MaskedLanguageModelDataset::get(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(),
               "MaskedLanguageModelDataset: index {} is out of range for a dataset of size {}", index,
               size());
  const Example base = base_->get(index);
  STRATA_CHECK(base.input.dtype() == kInt64 && base.input.dim() == 1,
               "MaskedLanguageModelDataset: example {} has input {} {}; expected 1-D i64 token ids", index,
               dtype_name(base.input.dtype()), base.input.shape().str());
  const uint32_t k = reads_[static_cast<size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  Generator gen(detail::mix64(detail::mix64(detail::mix64(seed_) ^ static_cast<uint64_t>(index)) ^ k));
  MaskedTokens m = mask_tokens(base.input, options_, gen);
  return {m.input, m.labels};
}

Collate masked_lm_collate(int64_t pad_id, int64_t ignore_index, int64_t max_length) {
  return [pad_id, ignore_index, max_length](const std::vector<Example>& examples) {
    STRATA_CHECK(!examples.empty(), "masked_lm_collate: empty batch");
    int64_t t = 1;
    for (const Example& e : examples) {
      STRATA_CHECK(e.input.dim() == 1 && e.target.dim() == 1 && e.input.numel() == e.target.numel(),
                   "masked_lm_collate: expected 1-D inputs and labels of one length, got {} and {}",
                   e.input.shape().str(), e.target.shape().str());
      t = std::max(t, e.input.numel());
    }
    if (max_length > 0) t = std::min(t, max_length);
    const auto b = static_cast<int64_t>(examples.size());
    std::vector<int64_t> in(static_cast<size_t>(b * t), pad_id),
        lab(static_cast<size_t>(b * t), ignore_index);
    for (int64_t i = 0; i < b; ++i) {
      const Tensor x = examples[static_cast<size_t>(i)].input.contiguous();
      const Tensor y = examples[static_cast<size_t>(i)].target.contiguous();
      const int64_t len = std::min(t, x.numel());
      std::copy_n(x.data_ptr<int64_t>(), len, in.begin() + i * t);
      std::copy_n(y.data_ptr<int64_t>(), len, lab.begin() + i * t);
    }
    return Batch{from_vector(in, Shape{b, t}), from_vector(lab, Shape{b * t})};
  };
}

}  // namespace strata::data::text
