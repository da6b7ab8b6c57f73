#pragma once
// GraphSAGE-style neighbour sampling (PyG's NeighborLoader): mini-batches of seed nodes, each with the
// subgraph reached by sampling at most fanouts[h] incoming neighbours per node at hop h, so a large graph
// trains in batches whose cost does not grow with the graph.
#include <cstdint>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/graph/graph.h"

namespace strata::data::graph {

// One sampled mini-batch: the seeds come first in `graph`, so the loss reads rows 0..num_seeds-1.
struct SampledBatch {
  Graph graph;                 // induced by the sampled edges; x, y and masks taken at `nodes`
  std::vector<int64_t> nodes;  // global id of each local node (seeds first)
  int64_t num_seeds = 0;
};

class NeighborSampler {
 public:
  // Samples over `graph` (kept by reference: it must outlive the sampler) for the given seed nodes.
  NeighborSampler(const Graph& graph, std::vector<int64_t> fanouts, std::vector<int64_t> seeds,
                  int64_t batch_size, bool shuffle = true, uint64_t seed = 0);
  // Batches per epoch.
  int64_t size() const;
  // Reshuffles the seeds (when shuffle) for a new epoch.
  void start_epoch();
  // Batch `index` of the current epoch.
  SampledBatch batch(int64_t index);

 private:
  const Graph& graph_;
  std::vector<int64_t> fanouts_, seeds_, order_;
  std::vector<int64_t> ptr_, sources_;  // incoming neighbours, grouped by target (CSR)
  int64_t batch_size_;
  bool shuffle_;
  Generator generator_;
};

// The nodes where `mask` (u8 [N]) is set.
std::vector<int64_t> mask_nodes(const Tensor& mask);

}  // namespace strata::data::graph
