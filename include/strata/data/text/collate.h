#pragma once
// Batching variable-length sequences: pad to the longest one and keep the lengths.
#include <vector>

#include "strata/data/dataloader.h"

namespace strata::data::text {

struct PadOptions {
  int64_t pad_id = 0;       // value written past each sequence's end
  int64_t max_length = 0;   // truncate longer sequences (0: no limit)
  bool batch_first = true;  // input [B, T] (else [T, B])
};

// A padded batch: input i64 [B, T] (or [T, B]), lengths i64 [B], targets stacked as default_collate does.
// An empty sequence gets length 1 (one padding step), so recurrent layers always see a step.
struct PaddedBatch {
  Tensor input;
  Tensor lengths;
  Tensor target;
};

// Pads the 1-D i64 inputs of the examples to the longest one.
PaddedBatch pad_sequences(const std::vector<Example>& examples, const PadOptions& options = {});

// A DataLoader collate that pads like pad_sequences; the Batch has input and target (recover the lengths
// with sequence_lengths when the pad id never occurs inside a sequence).
Collate pad_collate(PadOptions options = {});

// Lengths i64 [B] of a padded batch-first i64 [B, T] tensor: one past the last entry that is not pad_id
// (at least 1).
Tensor sequence_lengths(const Tensor& padded, int64_t pad_id);

}  // namespace strata::data::text
