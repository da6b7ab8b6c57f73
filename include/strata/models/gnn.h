#pragma once
// Node classifiers over graphs: a stack of graph convolutions (GCN, GraphSAGE, GAT, GIN) or, as the
// no-graph baseline, an MLP on the node features alone.
#include <string>
#include <vector>

#include "strata/nn/graph_conv.h"

namespace strata::models {

struct GNNOptions {
  std::string conv = "gcn";  // "gcn", "sage", "gat", "gin" or "mlp" (ignores the edges)
  int64_t hidden_channels = 16;
  int64_t num_layers = 2;
  double dropout = 0.5;       // on the input of every layer, in training
  std::string aggr = "mean";  // SAGEConv's aggregator
  int64_t heads = 4;          // GATConv's heads in hidden layers (the last layer has one)
};

// x [N, in] -> logits [N, out]: (dropout -> conv -> ReLU) per hidden layer, then dropout -> conv.
class GNNImpl : public nn::GraphLayer {
 public:
  GNNImpl(int64_t in_channels, int64_t out_channels, GNNOptions options = {});
  using nn::GraphLayer::forward;
  Tensor forward(const Tensor& x, const nn::MessageGraph& graph) override;
  // The hidden representation before the last layer (for embedding plots).
  Tensor embed(const Tensor& x, const nn::MessageGraph& graph);

  GNNOptions options;
  std::vector<std::shared_ptr<nn::Module>> layers;
};
class GNN : public nn::ModuleHolder<GNNImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  GNN(int64_t in_channels, int64_t out_channels, GNNOptions options = {})
      : ModuleHolder(std::make_shared<GNNImpl>(in_channels, out_channels, options)) {}
};

}  // namespace strata::models
