#pragma once
// BERT-style masking for masked-language-model pre-training: each token that is not special is selected
// with probability mask_prob; a selected token is replaced by the mask token (80%), by a random token
// (10%) or kept (10%), and only selected positions carry a label (the original token), the others
// ignore_index.
#include <atomic>
#include <memory>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/dataloader.h"
#include "strata/data/dataset.h"

namespace strata::data::text {

struct MaskOptions {
  int64_t mask_token = -1;             // the id written at masked positions (required)
  int64_t vocab_size = 0;              // random replacements draw from [0, vocab_size) (required)
  double mask_prob = 0.15;             // chance that a non-special token is selected
  double mask_replace_prob = 0.8;      // of the selected tokens: replaced by mask_token
  double random_replace_prob = 0.1;    // of the selected tokens: replaced by a random non-special token
  std::vector<int64_t> special_ids{};  // never selected, never drawn as replacements (pad, mask, ...)
  int64_t ignore_index = -100;         // the label of positions that are not selected
};

// The masked input and its labels, both i64 of the shape of the ids.
struct MaskedTokens {
  Tensor input;
  Tensor labels;
};

// Masks an i64 tensor of token ids (any shape), drawing only from `gen`: the same generator state gives
// the same masks on every platform. Throws when the options are out of range.
MaskedTokens mask_tokens(const Tensor& ids, const MaskOptions& options, Generator& gen);

// Masks the input ids of another dataset's examples: example i is (masked ids [L_i], labels [L_i]), drawn
// with a generator seeded by (seed, index, how often this index was read), so a run is reproducible for a
// seed whatever the number of DataLoader workers, and every epoch sees new masks (set_epoch pins the read
// counts to the epoch, so a resumed run draws the same ones).
class MaskedLanguageModelDataset : public Dataset {
 public:
  MaskedLanguageModelDataset(std::shared_ptr<const Dataset> base, MaskOptions options, uint64_t seed = 0);
  int64_t size() const override { return base_->size(); }
  Example get(int64_t index) const override;
  void set_epoch(int64_t epoch) const override;

 private:
  std::shared_ptr<const Dataset> base_;
  MaskOptions options_;
  uint64_t seed_;
  std::unique_ptr<std::atomic<uint32_t>[]> reads_;
};

// A DataLoader collate for MaskedLanguageModelDataset: inputs padded with pad_id to [B, T] (or truncated to
// max_length when > 0), labels padded with ignore_index and flattened to [B * T], to line up with per-token
// logits flattened to [B * T, V].
Collate masked_lm_collate(int64_t pad_id, int64_t ignore_index = -100, int64_t max_length = 0);

}  // namespace strata::data::text
