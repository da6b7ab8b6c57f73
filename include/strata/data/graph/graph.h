#pragma once
// Graph: one graph for node- or graph-level learning, PyTorch Geometric's Data. Edges are directed
// source -> target pairs; an undirected graph stores both directions.
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::graph {

struct Graph {
  Tensor edge_index;                       // i64 [2, E]: row 0 sources, row 1 targets
  Tensor x;                                // f32 [N, F] node features
  Tensor y;                                // i64 [N] node labels (or [num_graphs] graph labels)
  Tensor train_mask, val_mask, test_mask;  // u8 [N]; undefined when not split
  Tensor batch;                            // i64 [N]: the graph of each node after collate_graphs
  std::vector<std::string> node_names;     // optional, one per node
  std::vector<std::string> class_names;    // optional, one per label

  // Nodes: rows of x (or, without features, 1 + the largest node id in edge_index).
  int64_t num_nodes() const;
  // Directed edges.
  int64_t num_edges() const { return edge_index.defined() ? edge_index.size(1) : 0; }
  // Feature columns of x.
  int64_t num_features() const { return x.defined() ? x.size(1) : 0; }
  // Classes: class_names.size(), else 1 + the largest label.
  int64_t num_classes() const;
  // Throws naming `what` when shapes disagree (x rows vs masks vs y, node ids out of range).
  void validate(const std::string& what = "Graph") const;
};

// Edges in both directions, duplicates and self loops dropped, sorted by (source, target).
Tensor to_undirected(const Tensor& edge_index, int64_t num_nodes);
// u8 masks over `y` with about train/val fractions of every class in train and val (at least one
// training node per class) and the rest in test, drawn with `seed`. Labels < 0 are left out of all three.
void stratified_masks(Graph& g, double train_fraction, double val_fraction, uint64_t seed);
// One block-diagonal graph from many small ones: x, y and node ids concatenated, edge ids offset, and
// batch[i] = the index of node i's graph (for global pooling). Graph labels y of shape [1] concatenate too.
Graph collate_graphs(const std::vector<Graph>& graphs);
// Node ids of the whole graph -> the induced subgraph on `nodes` (edges with both ends inside, relabelled
// to positions in `nodes`); x, y and masks are taken at `nodes`.
Graph subgraph(const Graph& g, const std::vector<int64_t>& nodes);

}  // namespace strata::data::graph
