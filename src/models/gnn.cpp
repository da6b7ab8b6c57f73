#include "strata/models/gnn.h"

#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/ops/activation.h"
#include "strata/ops/dropout.h"

namespace strata::models {
namespace {

std::shared_ptr<nn::Module> make_layer(const GNNOptions& o, int64_t in, int64_t out, bool last) {
  if (o.conv == "gcn") return nn::GCNConv(in, out).ptr();
  if (o.conv == "sage") return nn::SAGEConv(in, out, {.aggr = o.aggr}).ptr();
  if (o.conv == "gat") {
    const int64_t heads = last ? 1 : o.heads;
    STRATA_CHECK(last || out % heads == 0, "GNN: hidden_channels {} must divide by heads {}", out, heads);
    return nn::GATConv(in, out / heads, {.heads = heads, .dropout = o.dropout}).ptr();
  }
  if (o.conv == "gin")
    return nn::GINConv(nn::Sequential(nn::Linear(in, out), nn::ReLU(), nn::Linear(out, out)),
                       {.train_eps = true})
        .ptr();
  if (o.conv == "mlp") return nn::Linear(in, out).ptr();
  STRATA_FAIL("GNN: unknown conv '{}' (choices: gcn, sage, gat, gin, mlp)", o.conv);
}

}  // namespace

GNNImpl::GNNImpl(int64_t in_channels, int64_t out_channels, GNNOptions options)
    : GraphLayer("GNN"), options(options) {
  STRATA_CHECK(options.num_layers >= 1, "GNN: num_layers must be >= 1, got {}", options.num_layers);
  STRATA_CHECK(options.dropout >= 0 && options.dropout < 1, "GNN: dropout must be in [0, 1), got {}",
               options.dropout);
  for (int64_t l = 0; l < options.num_layers; ++l) {
    const bool last = l + 1 == options.num_layers;
    const int64_t in = l == 0 ? in_channels : options.hidden_channels;
    const int64_t out = last ? out_channels : options.hidden_channels;
    layers.push_back(register_module("conv" + std::to_string(l + 1), make_layer(options, in, out, last)));
  }
}

Tensor GNNImpl::embed(const Tensor& x, const nn::MessageGraph& graph) {
  Tensor h = x;
  for (size_t l = 0; l + 1 < layers.size(); ++l) {
    h = ops::dropout(h, options.dropout, is_training());
    if (auto* conv = dynamic_cast<nn::GraphLayer*>(layers[l].get()))
      h = conv->forward(h, graph);
    else
      h = (*layers[l])(h);
    h = ops::relu(h);
  }
  return h;
}

Tensor GNNImpl::forward(const Tensor& x, const nn::MessageGraph& graph) {
  Tensor h = ops::dropout(embed(x, graph), options.dropout, is_training());
  if (auto* conv = dynamic_cast<nn::GraphLayer*>(layers.back().get())) return conv->forward(h, graph);
  return (*layers.back())(h);
}

}  // namespace strata::models
