// Graph convolutions: each layer is a transform of node features plus one message-passing step
// (nn/message_passing.h); formulas and initialisation follow PyTorch Geometric.
#include "strata/nn/graph_conv.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/activation.h"
#include "strata/ops/dropout.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

void check_x(const Tensor& x, int64_t in_channels, const MessageGraph& graph, const char* op) {
  STRATA_CHECK(x.defined() && x.dim() == 2 && x.size(1) == in_channels,
               "{}: x must be [num_nodes, {}] (in_channels), got {}", op, in_channels,
               x.defined() ? x.shape().str() : std::string("undefined"));
  STRATA_CHECK(x.size(0) == graph.num_nodes, "{}: x has {} rows but the graph has {} nodes", op, x.size(0),
               graph.num_nodes);
}

void check_channels(int64_t in, int64_t out, const char* op) {
  STRATA_CHECK(in > 0 && out > 0, "{}: in_channels and out_channels must be positive, got {} and {}", op, in,
               out);
}

}  // namespace

Tensor GraphLayer::forward(const Tensor& x, const Tensor& edge_index) {
  STRATA_CHECK(x.defined() && x.dim() >= 1, "{}: x must have a node dim", type_name());
  return forward(x, MessageGraph::from_edge_index(edge_index, x.size(0), type_name().c_str()));
}

// ---- GCNConv ----

GCNConvImpl::GCNConvImpl(int64_t in_channels, int64_t out_channels, GCNConvOptions options)
    : GraphLayer("GCNConv"),
      in_channels(in_channels),
      out_channels(out_channels),
      options(options),
      lin(nullptr) {
  check_channels(in_channels, out_channels, "GCNConv");
  lin = register_module("lin", Linear(in_channels, out_channels, false).ptr());
  init::xavier_uniform_(lin->weight);
  if (options.bias) bias = register_parameter("bias", zeros({out_channels}));
}

Tensor GCNConvImpl::forward(const Tensor& x, const MessageGraph& graph) {
  return forward(x, graph, Tensor());
}

Tensor GCNConvImpl::forward(const Tensor& x, const MessageGraph& graph_in, const Tensor& edge_weight_in) {
  check_x(x, in_channels, graph_in, "GCNConv");
  MessageGraph graph = graph_in;
  Tensor w = edge_weight_in.defined() ? edge_weight_in : ones({graph.num_edges()}, {.dtype = x.dtype()});
  STRATA_CHECK(w.dim() == 1 && w.size(0) == graph.num_edges(),
               "GCNConv: edge_weight must be [{}] (one per edge), got {}", graph.num_edges(),
               w.shape().str());
  if (options.add_self_loops) {
    // Self loops for nodes without one, weighted 1 (2 when improved).
    const Tensor looped = add_remaining_self_loops(graph.edge_index(), graph.num_nodes);
    const int64_t added = looped.size(1) - graph.num_edges();
    if (added > 0) {
      graph = MessageGraph::from_edge_index(looped, graph.num_nodes, "GCNConv");
      w = ops::cat({w, full({added}, options.improved ? 2.0 : 1.0, {.dtype = w.dtype()})});
    }
  }
  if (options.normalize) {
    // deg_i = sum of weights into i; w_ij <- deg_j^-1/2 w_ij deg_i^-1/2 (0 where a degree is 0).
    const Tensor deg = aggregate(w.unsqueeze(1), graph, ops::Reduce::Sum).squeeze(1);
    const Tensor inv =
        ops::where(ops::gt(deg, 0.0), ops::rsqrt(ops::clamp(deg, 1e-300, std::nullopt)), zeros_like(deg));
    w = ops::mul(ops::mul(ops::index_select(inv, 0, graph.source), w),
                 ops::index_select(inv, 0, graph.target));
  }
  Tensor out = propagate_weighted(lin(x), w, graph);
  return bias.defined() ? ops::add(out, bias) : out;
}

std::string GCNConvImpl::extra_repr() const { return fmt::format("{}, {}", in_channels, out_channels); }

// ---- SAGEConv ----

SAGEConvImpl::SAGEConvImpl(int64_t in_channels, int64_t out_channels, SAGEConvOptions options)
    : GraphLayer("SAGEConv"),
      in_channels(in_channels),
      out_channels(out_channels),
      options(options),
      aggr(ops::reduce_from_string(options.aggr, "SAGEConv")),
      lin_l(nullptr),
      lin_r(nullptr) {
  check_channels(in_channels, out_channels, "SAGEConv");
  lin_l = register_module("lin_l", Linear(in_channels, out_channels, options.bias).ptr());
  if (options.root_weight) lin_r = register_module("lin_r", Linear(in_channels, out_channels, false).ptr());
}

Tensor SAGEConvImpl::forward(const Tensor& x, const MessageGraph& graph) {
  check_x(x, in_channels, graph, "SAGEConv");
  Tensor out = lin_l(aggregate(gather_source(x, graph), graph, aggr));
  if (options.root_weight) out = ops::add(out, lin_r(x));
  if (options.normalize) {
    // F.normalize(out, p=2, dim=-1): out / max(||out||, 1e-12).
    const Tensor norm = ops::clamp(ops::sqrt(ops::sum(ops::mul(out, out), {1}, true)), 1e-12, std::nullopt);
    out = ops::div(out, norm);
  }
  return out;
}

std::string SAGEConvImpl::extra_repr() const {
  return fmt::format("{}, {}, aggr={}", in_channels, out_channels, ops::to_string(aggr));
}

// ---- GATConv ----

GATConvImpl::GATConvImpl(int64_t in_channels, int64_t out_channels, GATConvOptions options)
    : GraphLayer("GATConv"),
      in_channels(in_channels),
      out_channels(out_channels),
      options(options),
      lin(nullptr) {
  check_channels(in_channels, out_channels, "GATConv");
  STRATA_CHECK(options.heads > 0, "GATConv: heads must be positive, got {}", options.heads);
  STRATA_CHECK(options.dropout >= 0 && options.dropout < 1, "GATConv: dropout must be in [0, 1), got {}",
               options.dropout);
  lin = register_module("lin", Linear(in_channels, options.heads * out_channels, false).ptr());
  init::xavier_uniform_(lin->weight);
  att_src = register_parameter("att_src", empty({1, options.heads, out_channels}));
  att_dst = register_parameter("att_dst", empty({1, options.heads, out_channels}));
  init::xavier_uniform_(att_src);
  init::xavier_uniform_(att_dst);
  if (options.bias)
    bias = register_parameter("bias", zeros({options.concat ? options.heads * out_channels : out_channels}));
}

Tensor GATConvImpl::forward(const Tensor& x, const MessageGraph& graph_in) {
  check_x(x, in_channels, graph_in, "GATConv");
  const MessageGraph graph =
      options.add_self_loops
          ? MessageGraph::from_edge_index(add_self_loops(graph_in.edge_index(), graph_in.num_nodes),
                                          graph_in.num_nodes, "GATConv")
          : graph_in;
  const int64_t h = options.heads, c = out_channels;
  const Tensor xw = lin(x).reshape({x.size(0), h, c});        // [N, H, C]
  const Tensor a_src = ops::sum(ops::mul(xw, att_src), {2});  // [N, H]
  const Tensor a_dst = ops::sum(ops::mul(xw, att_dst), {2});  // [N, H]
  const Tensor score = ops::leaky_relu(ops::add(gather_source(a_src, graph), gather_target(a_dst, graph)),
                                       options.negative_slope);  // [E, H]
  Tensor alpha = edge_softmax(score, graph);
  last_attention_ = alpha.detach();
  if (options.dropout > 0) alpha = ops::dropout(alpha, options.dropout, is_training());
  const Tensor messages = ops::mul(gather_source(xw, graph), alpha.unsqueeze(2));  // [E, H, C]
  Tensor out = aggregate(messages, graph, ops::Reduce::Sum);                       // [N, H, C]
  out = options.concat ? out.reshape({x.size(0), h * c}) : ops::mean(out, {1});
  return bias.defined() ? ops::add(out, bias) : out;
}

std::string GATConvImpl::extra_repr() const {
  return fmt::format("{}, {}, heads={}", in_channels, out_channels, options.heads);
}

// ---- GINConv ----

GINConvImpl::GINConvImpl(std::shared_ptr<Module> nn, GINConvOptions options)
    : GraphLayer("GINConv"), nn(std::move(nn)), options(options) {
  STRATA_CHECK(this->nn != nullptr, "GINConv: nn must be a module");
  register_module("nn", this->nn);
  eps = options.train_eps ? register_parameter("eps", full({}, options.eps))
                          : register_buffer("eps", full({}, options.eps));
}

Tensor GINConvImpl::forward(const Tensor& x, const MessageGraph& graph) {
  STRATA_CHECK(x.defined() && x.dim() >= 2 && x.size(0) == graph.num_nodes,
               "GINConv: x must be [num_nodes = {}, ...], got {}", graph.num_nodes,
               x.defined() ? x.shape().str() : std::string("undefined"));
  const Tensor neighbours = aggregate(gather_source(x, graph), graph, ops::Reduce::Sum);
  const Tensor e = eps.dtype() == x.dtype() ? eps : eps.to(x.dtype());
  return (*nn)(ops::add(ops::mul(ops::add(e, 1.0), x), neighbours));
}

std::string GINConvImpl::extra_repr() const { return fmt::format("eps={}", options.eps); }

}  // namespace strata::nn
