#pragma once
// Epoch logs of a data-parallel run, combined across ranks: what `mpirun -np N strata train` prints.
#include "strata/train/callback.h"

namespace strata::dist {

// Replaces every entry of `logs` by its mean over the ranks (every rank must hold the same keys). With
// DistributedSampler's equal shards, the mean of the ranks' loss and accuracy is the global one; other
// metrics become the mean of the per-rank values.
void all_reduce_logs(train::Logs& logs);

}  // namespace strata::dist
