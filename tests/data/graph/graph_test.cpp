// Graph utilities: undirected edges, stratified masks, block-diagonal batching, induced subgraphs.
#include "strata/data/graph/graph.h"

#include "test_util.h"

namespace strata::data::graph {
namespace {

Tensor edges(const std::vector<int64_t>& v) {
  return from_vector<int64_t>(v, {2, static_cast<int64_t>(v.size() / 2)});
}

TEST(Graph, ToUndirectedDropsDuplicatesAndSelfLoops) {
  const Tensor e = to_undirected(edges({0, 1, 1, 0, 1, 2, 0, 0}), 3);
  EXPECT_EQ(e.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 2, 1, 0, 2, 1}));
  EXPECT_ERROR_CONTAINS(to_undirected(edges({0, 5}), 3), "to_undirected", "5", "[0, 3)");
}

TEST(Graph, StratifiedMasksCoverEveryClass) {
  Graph g;
  std::vector<int64_t> y;
  for (int i = 0; i < 100; ++i) y.push_back(i < 80 ? 0 : (i < 95 ? 1 : 2));
  y[3] = -1;  // unlabelled: in no mask
  g.y = from_vector<int64_t>(y);
  g.edge_index = edges({0, 1});
  stratified_masks(g, 0.5, 0.2, 7);
  const auto tr = g.train_mask.to_vector<uint8_t>(), va = g.val_mask.to_vector<uint8_t>(),
             te = g.test_mask.to_vector<uint8_t>();
  int per_class[3] = {0, 0, 0};
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_LE(tr[i] + va[i] + te[i], 1);
    if (y[i] < 0) {
      EXPECT_EQ(tr[i] + va[i] + te[i], 0);
    }
    if (tr[i]) ++per_class[y[i]];
  }
  EXPECT_EQ(per_class[0], 39);  // half of the 79 labelled
  EXPECT_EQ(per_class[1], 7);
  EXPECT_EQ(per_class[2], 2);
  Graph again = g;
  stratified_masks(again, 0.5, 0.2, 7);
  EXPECT_EQ(again.train_mask.to_vector<uint8_t>(), tr);  // seeded
}

TEST(Graph, CollateBuildsBlockDiagonalBatch) {
  Graph a, b;
  a.edge_index = edges({0, 1, 1, 0});
  a.x = ones({2, 3});
  a.y = from_vector<int64_t>({1});
  b.edge_index = edges({0, 2, 2, 1});
  b.x = zeros({3, 3});
  b.y = from_vector<int64_t>({0});
  a.batch = b.batch = Tensor();
  // Graph-level labels: y has one entry per graph, so validate must not read it as node labels.
  a.y = Tensor();
  b.y = Tensor();
  const Graph g = collate_graphs({a, b});
  EXPECT_EQ(g.edge_index.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 4, 1, 0, 4, 3}));
  EXPECT_EQ(g.batch.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(g.x.shape(), (Shape{5, 3}));
  b.x = zeros({3, 4});
  EXPECT_ERROR_CONTAINS(collate_graphs({a, b}), "collate_graphs", "graph 1", "4 features");
}

TEST(Graph, SubgraphRelabels) {
  Graph g;
  g.edge_index = edges({0, 1, 2, 3, 1, 2, 3, 0});
  g.x = from_vector<float>({0, 1, 2, 3}, {4, 1});
  const Graph s = subgraph(g, {2, 1});
  EXPECT_EQ(s.edge_index.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));  // 1 -> 2 becomes 1 -> 0
  EXPECT_EQ(s.x.to_vector<float>(), (std::vector<float>{2, 1}));
}

TEST(Graph, ValidateNamesTheProblem) {
  Graph g;
  g.edge_index = edges({0, 4});
  g.x = zeros({3, 2});
  EXPECT_ERROR_CONTAINS(g.validate("mine"), "mine", "node 4", "3 nodes");
  g.edge_index = edges({0, 1});
  g.y = from_vector<int64_t>({0, 1});
  EXPECT_ERROR_CONTAINS(g.validate(), "y must be [3]");
}

}  // namespace
}  // namespace strata::data::graph
