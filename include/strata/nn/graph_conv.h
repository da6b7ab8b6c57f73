#pragma once
// Graph convolution layers with PyTorch Geometric's names, arguments and parameter names. Each takes node
// features x [N, in_channels] and the graph (an edge_index [2, E] of source -> target, or a prepared
// MessageGraph to reuse across layers) and returns [N, out_channels] (GATConv: [N, heads * out_channels]
// when concat).
#include <string>

#include "strata/nn/linear.h"
#include "strata/nn/message_passing.h"
#include "strata/nn/module.h"

namespace strata::nn {

// A layer over node features and a graph; forward(x) alone throws (a graph layer needs its edges).
class GraphLayer : public Module {
 public:
  using Module::forward;
  using Module::Module;
  using Module::operator();
  // The layer on node features x and the prepared graph.
  virtual Tensor forward(const Tensor& x, const MessageGraph& graph) = 0;
  // The layer on node features x and edge_index [2, E].
  Tensor forward(const Tensor& x, const Tensor& edge_index);
  Tensor operator()(const Tensor& x, const MessageGraph& graph) { return forward(x, graph); }
  Tensor operator()(const Tensor& x, const Tensor& edge_index) { return forward(x, edge_index); }
};

struct GCNConvOptions {
  bool improved = false;       // self loops weigh 2 instead of 1
  bool add_self_loops = true;  // add a self loop to every node that has none
  bool normalize = true;       // symmetric normalisation D^-1/2 (A + I) D^-1/2
  bool bias = true;
};

// Kipf & Welling's graph convolution: x' = D^-1/2 (A + I) D^-1/2 x W^T + b, with D the in-degrees of A + I.
// Parameters: lin.weight [out, in] (Glorot), bias [out] (zeros).
class GCNConvImpl : public GraphLayer {
 public:
  GCNConvImpl(int64_t in_channels, int64_t out_channels, GCNConvOptions options = {});
  using GraphLayer::forward;
  Tensor forward(const Tensor& x, const MessageGraph& graph) override;
  // Same with a weight per edge (edge_weight [E]).
  Tensor forward(const Tensor& x, const MessageGraph& graph, const Tensor& edge_weight);
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  GCNConvOptions options;
  Linear lin;
  Tensor bias;
};
class GCNConv : public ModuleHolder<GCNConvImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  GCNConv(int64_t in_channels, int64_t out_channels, GCNConvOptions options = {})
      : ModuleHolder(std::make_shared<GCNConvImpl>(in_channels, out_channels, options)) {}
};

struct SAGEConvOptions {
  std::string aggr = "mean";  // "mean", "max" or "sum"
  bool normalize = false;     // L2-normalise each output row
  bool root_weight = true;    // add lin_r(x)
  bool bias = true;
};

// GraphSAGE: x' = lin_l(aggr_{j -> i} x_j) + lin_r(x_i). Parameters: lin_l.weight, lin_l.bias, lin_r.weight.
class SAGEConvImpl : public GraphLayer {
 public:
  SAGEConvImpl(int64_t in_channels, int64_t out_channels, SAGEConvOptions options = {});
  using GraphLayer::forward;
  Tensor forward(const Tensor& x, const MessageGraph& graph) override;
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  SAGEConvOptions options;
  ops::Reduce aggr;
  Linear lin_l, lin_r;  // lin_r empty without root_weight
};
class SAGEConv : public ModuleHolder<SAGEConvImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  SAGEConv(int64_t in_channels, int64_t out_channels, SAGEConvOptions options = {})
      : ModuleHolder(std::make_shared<SAGEConvImpl>(in_channels, out_channels, options)) {}
};

struct GATConvOptions {
  int64_t heads = 1;
  bool concat = true;           // concatenate heads (else average them)
  double negative_slope = 0.2;  // of the LeakyReLU on attention scores
  double dropout = 0.0;         // on the attention weights, in training
  bool add_self_loops = true;
  bool bias = true;
};

// Graph attention (Velickovic et al.): per head, alpha_ij = softmax_j(LeakyReLU(a_src . W x_j + a_dst . W
// x_i)) over the edges into i, x'_i = sum_j alpha_ij W x_j. Parameters: lin.weight [heads * out, in], att_src
// and att_dst [1, heads, out], bias [heads * out] (or [out] without concat).
class GATConvImpl : public GraphLayer {
 public:
  GATConvImpl(int64_t in_channels, int64_t out_channels, GATConvOptions options = {});
  using GraphLayer::forward;
  Tensor forward(const Tensor& x, const MessageGraph& graph) override;
  // The attention weights of the last forward, [E', heads] over the edges used (with self loops).
  Tensor last_attention() const { return last_attention_; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  GATConvOptions options;
  Linear lin;
  Tensor att_src, att_dst, bias;

 private:
  Tensor last_attention_;
};
class GATConv : public ModuleHolder<GATConvImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  GATConv(int64_t in_channels, int64_t out_channels, GATConvOptions options = {})
      : ModuleHolder(std::make_shared<GATConvImpl>(in_channels, out_channels, options)) {}
};

struct GINConvOptions {
  double eps = 0.0;
  bool train_eps = false;  // learn eps as a parameter
};

// Graph isomorphism network: x' = nn((1 + eps) x + sum_{j -> i} x_j). Parameters: nn.*, eps when trained.
class GINConvImpl : public GraphLayer {
 public:
  explicit GINConvImpl(std::shared_ptr<Module> nn, GINConvOptions options = {});
  using GraphLayer::forward;
  Tensor forward(const Tensor& x, const MessageGraph& graph) override;
  std::string extra_repr() const override;

  std::shared_ptr<Module> nn;
  GINConvOptions options;
  Tensor eps;  // 0-dim; a parameter when train_eps, else a buffer
};
class GINConv : public ModuleHolder<GINConvImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  explicit GINConv(std::shared_ptr<Module> nn, GINConvOptions options = {})
      : ModuleHolder(std::make_shared<GINConvImpl>(std::move(nn), options)) {}
};

}  // namespace strata::nn
