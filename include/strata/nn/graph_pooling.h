#pragma once
// Readouts for graph-level tasks: one row per graph from the rows of its nodes, given PyG's batch vector
// (batch[i] = the graph of node i, as data::collate_graphs builds it).
#include "strata/core/tensor.h"

namespace strata::nn {

// Sum of each graph's node rows: [num_graphs, F]; size = number of graphs (max(batch) + 1 when negative).
Tensor global_add_pool(const Tensor& x, const Tensor& batch, int64_t size = -1);
// Mean of each graph's node rows.
Tensor global_mean_pool(const Tensor& x, const Tensor& batch, int64_t size = -1);
// Feature-wise max over each graph's node rows.
Tensor global_max_pool(const Tensor& x, const Tensor& batch, int64_t size = -1);

}  // namespace strata::nn
