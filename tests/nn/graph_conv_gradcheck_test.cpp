// Gradient checks for the graph layers in f64, w.r.t. the node features and the layers' own weights.
#include "strata/nn/graph_conv.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using Inputs = std::vector<Tensor>;

// 5 nodes, unsorted edges, node 4 without incoming edges (and one existing self loop).
Tensor edges() { return from_vector<int64_t>({0, 1, 2, 3, 1, 2, 2, 4, 1, 0, 2, 3, 0, 2}, {2, 7}); }

TEST(GraphConvGradcheck, GCNConv) {
  nn::GCNConv conv(3, 2);
  conv->to(kFloat64);
  auto f = [&](const Inputs& x) {
    conv->lin->weight = x[1];
    conv->bias = x[2];
    return conv(x[0], edges());
  };
  EXPECT_GRADCHECK(f, input({5, 3}, 1), input({2, 3}, 2), input({2}, 3));
  // With edge weights, differentiable too.
  const auto g = nn::MessageGraph::from_edge_index(edges(), 5);
  EXPECT_GRADCHECK([&](const Inputs& x) { return conv->forward(x[0], g, x[1]); }, input({5, 3}, 4),
                   input({7}, 5, 0.5, 2.0));
}

TEST(GraphConvGradcheck, SAGEConv) {
  for (const char* aggr : {"mean", "max", "sum"}) {
    SCOPED_TRACE(aggr);
    nn::SAGEConv conv(3, 2, {.aggr = aggr, .normalize = true});
    conv->to(kFloat64);
    auto f = [&](const Inputs& x) {
      conv->lin_l->weight = x[1];
      conv->lin_r->weight = x[2];
      return conv(x[0], edges());
    };
    EXPECT_GRADCHECK(f, input({5, 3}, 6), input({2, 3}, 7), input({2, 3}, 8));
  }
}

TEST(GraphConvGradcheck, GATConv) {
  for (bool concat : {true, false}) {
    nn::GATConv conv(3, 2, {.heads = 2, .concat = concat});
    conv->to(kFloat64);
    auto f = [&](const Inputs& x) {
      conv->lin->weight = x[1];
      conv->att_src = x[2];
      conv->att_dst = x[3];
      return conv(x[0], edges());
    };
    EXPECT_GRADCHECK(f, input({5, 3}, 9), input({4, 3}, 10), input({1, 2, 2}, 11), input({1, 2, 2}, 12));
  }
}

TEST(GraphConvGradcheck, GINConv) {
  nn::Linear lin(3, 2);
  nn::GINConv conv(lin.ptr(), {.eps = 0.1, .train_eps = true});
  conv->to(kFloat64);
  auto f = [&](const Inputs& x) {
    conv->eps = x[1];
    lin->weight = x[2];
    return conv(x[0], edges());
  };
  EXPECT_GRADCHECK(f, input({5, 3}, 13), full({}, 0.2, {.dtype = kFloat64}).requires_grad_(),
                   input({2, 3}, 14));
}

}  // namespace
}  // namespace strata
