// The GNN node classifier: every conv kind gives logits of the right shape, the MLP ignores the edges, and
// bad options are named.
#include "strata/models/gnn.h"

#include "test_util.h"

namespace strata {
namespace {

TEST(GNN, EveryConvGivesLogits) {
  const Tensor x = randn({6, 5});
  const Tensor e = from_vector<int64_t>({0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 0}, {2, 6});
  for (const char* conv : {"gcn", "sage", "gat", "gin", "mlp"}) {
    models::GNN m(5, 3, {.conv = conv, .hidden_channels = 8, .num_layers = 3, .heads = 2});
    m->eval();
    EXPECT_EQ(m(x, e).shape(), (Shape{6, 3})) << conv;
    EXPECT_EQ(m->embed(x, nn::MessageGraph::from_edge_index(e, 6)).shape(), (Shape{6, 8})) << conv;
  }
}

TEST(GNN, MlpIgnoresEdges) {
  models::GNN m(5, 3, {.conv = "mlp"});
  m->eval();
  const Tensor x = randn({4, 5});
  EXPECT_EQ(m(x, from_vector<int64_t>({0, 1}, {2, 1})).to_vector<float>(),
            m(x, from_vector<int64_t>({2, 3, 3, 1}, {2, 2})).to_vector<float>());
}

TEST(GNN, BadOptions) {
  EXPECT_ERROR_CONTAINS(models::GNN(5, 3, {.conv = "cheb"}), "unknown conv 'cheb'", "gcn, sage");
  EXPECT_ERROR_CONTAINS(models::GNN(5, 3, {.num_layers = 0}), "num_layers");
  EXPECT_ERROR_CONTAINS(models::GNN(5, 3, {.conv = "gat", .hidden_channels = 6, .heads = 4}),
                        "divide by heads");
}

}  // namespace
}  // namespace strata
