#pragma once
// Node classification training: cross-entropy on the training nodes only (the graph's train_mask), accuracy
// on the train / val / test masks, full-batch or in neighbour-sampled mini-batches for large graphs.
#include <functional>
#include <vector>

#include "strata/data/graph/graph.h"
#include "strata/nn/graph_conv.h"

namespace strata::train {

struct NodeClassificationOptions {
  int64_t epochs = 200;
  double lr = 0.01;
  double weight_decay = 5e-4;
  std::vector<int64_t> fanouts{};  // empty: full batch; else neighbour sampling with these fan-outs
  int64_t batch_size = 512;      // seed nodes per mini-batch (with fanouts)
  uint64_t seed = 0;
  bool select_on_val = true;  // report test accuracy at the epoch of best validation accuracy
};

// One epoch's figures.
struct NodeEpoch {
  int64_t epoch = 0;
  double loss = 0, train_accuracy = 0, val_accuracy = 0, test_accuracy = 0;
};

struct NodeClassificationResult {
  std::vector<NodeEpoch> history;
  NodeEpoch best;  // the selected epoch (best validation, or the last one)
};

// Trains `model` (logits [N, classes] from x and the graph) with Adam and returns the per-epoch figures;
// `on_epoch` (optional) sees each epoch as it ends.
NodeClassificationResult fit_node_classification(nn::GraphLayer& model, const data::graph::Graph& graph,
                                                 const NodeClassificationOptions& options = {},
                                                 const std::function<void(const NodeEpoch&)>& on_epoch = {});
// Accuracy of argmax(logits) against y over the nodes where mask (u8 [N]) is set (0 for an empty mask).
double masked_accuracy(const Tensor& logits, const Tensor& y, const Tensor& mask);

}  // namespace strata::train
