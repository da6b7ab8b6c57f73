#pragma once
// Message passing on graphs, written once: gather node rows at the edges' sources (x_j) and targets (x_i),
// compute a message per edge, and aggregate the messages at each target with a deterministic segment
// reduction (edges grouped by target, CSR order). Graph layers (GCNConv, SAGEConv, GATConv, GINConv) are
// short compositions of these steps.
#include "strata/ops/sparse.h"

namespace strata::nn {

// A graph's edges prepared for message passing: edge_index row 0 holds sources, row 1 targets (PyG's
// flow "source_to_target"), with the edges grouped by target once so that every aggregation reuses it.
struct MessageGraph {
  Tensor source;            // i64 [E]
  Tensor target;            // i64 [E]
  ops::Segments by_target;  // the edges grouped by target node
  int64_t num_nodes = 0;

  // Builds from edge_index (i64 [2, E]); throws naming `op` on a bad shape or a node id outside [0,
  // num_nodes).
  static MessageGraph from_edge_index(const Tensor& edge_index, int64_t num_nodes,
                                      const char* op = "MessageGraph");
  // The number of edges.
  int64_t num_edges() const { return source.numel(); }
  // The edge_index [2, E] (sources, targets).
  Tensor edge_index() const;
};

// Edge index without self loops (i -> i), PyG's remove_self_loops.
Tensor remove_self_loops(const Tensor& edge_index);
// Edge index with one self loop i -> i appended for every node, after removing existing ones (PyG's
// remove_self_loops + add_self_loops, as GATConv does).
Tensor add_self_loops(const Tensor& edge_index, int64_t num_nodes);
// Edge index with a self loop appended for each node that has none (PyG's add_remaining_self_loops).
Tensor add_remaining_self_loops(const Tensor& edge_index, int64_t num_nodes);

// Rows of x at the edges' sources: x_j, [E, ...].
Tensor gather_source(const Tensor& x, const MessageGraph& graph);
// Rows of x at the edges' targets: x_i, [E, ...].
Tensor gather_target(const Tensor& x, const MessageGraph& graph);
// Per-edge messages [E, ...] reduced at their targets -> [num_nodes, ...]; nodes with no incoming edge get 0.
Tensor aggregate(const Tensor& messages, const MessageGraph& graph, ops::Reduce aggr);
// Softmax of per-edge scores [E] or [E, heads] over the edges that share a target (attention weights).
Tensor edge_softmax(const Tensor& scores, const MessageGraph& graph);
// sum_j w_ij x_j at every target i as one sparse product (CSR by target): the fused form of
// aggregate(w * gather_source(x)) for 2-D x and a weight per edge.
Tensor propagate_weighted(const Tensor& x, const Tensor& edge_weight, const MessageGraph& graph);

}  // namespace strata::nn
