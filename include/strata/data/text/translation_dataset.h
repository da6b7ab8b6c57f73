#pragma once
// Sentence pairs as training examples for a sequence-to-sequence model. Example i holds
//   input  i64 [2, L]: row 0 the source ids then <eos>; row 1 <bos> then the target ids (the decoder input)
//   target i64 [L]:    the target ids then <eos> (what the decoder predicts at each step)
// with L = max(source + 1, target + 1) and <pad> filling the shorter rows; translation_collate pads a batch
// to its longest example, giving input [B, 2, L] and the target flattened to [B * L] (lined up with logits
// [B * L, V], as TransformerSeq2Seq returns them).
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "strata/data/dataloader.h"
#include "strata/data/dataset.h"
#include "strata/data/text/de_en.h"

namespace strata::data::text {

struct TranslationTokens {
  int64_t pad_id = 0;
  int64_t bos_id = 1;
  int64_t eos_id = 2;
  int64_t max_length = 0;  // keep the first N tokens of each side, <eos> included (0: all)
};

class TranslationDataset : public Dataset {
 public:
  // Encodes every pair once with `encode` (text -> token ids without specials).
  TranslationDataset(const std::vector<SentencePair>& pairs,
                     const std::function<std::vector<int64_t>(std::string_view)>& encode,
                     TranslationTokens tokens);
  int64_t size() const override { return static_cast<int64_t>(source_.size()); }
  Example get(int64_t index) const override;
  // The source ids of example i with <eos> (what a translation starts from).
  const std::vector<int64_t>& source_ids(int64_t index) const;
  const TranslationTokens& tokens() const { return tokens_; }

 private:
  std::vector<std::vector<int64_t>> source_, target_;  // with <eos>, cut to max_length
  TranslationTokens tokens_;
};

// A DataLoader collate for TranslationDataset examples: input [B, 2, L], target [B * L], padded with pad_id.
Collate translation_collate(int64_t pad_id);

// Sources i64 [B, S] padded with pad_id (for TransformerSeq2Seq::translate).
Tensor pad_sources(const std::vector<std::vector<int64_t>>& sources, int64_t pad_id);

}  // namespace strata::data::text
