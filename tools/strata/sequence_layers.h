#pragma once
// The sequence layers of config-built models: the library's padding-aware layers
// (strata/nn/masked_sequence.h) under the names the CLI uses.
#include "strata/nn/masked_sequence.h"

namespace strata::cli {

using nn::GlobalPool1dImpl;
using nn::lengths_for;
using nn::MaskedGRUImpl;
using nn::MaskedLSTMImpl;
using nn::MaskedRNNImpl;
using nn::MaskingEmbeddingImpl;
using nn::SequenceMask;
using nn::SequenceMaskPtr;

}  // namespace strata::cli
