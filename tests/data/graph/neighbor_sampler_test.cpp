// Neighbour sampling: seeds first, fan-outs respected, every sampled edge real, seeded and reproducible.
#include "strata/data/graph/neighbor_sampler.h"

#include <set>

#include "strata/data/graph/datasets.h"
#include "test_util.h"

namespace strata::data::graph {
namespace {

TEST(NeighborSampler, RespectsFanoutsAndKeepsRealEdges) {
  const Graph g = karate_club();
  std::set<std::pair<int64_t, int64_t>> real;
  const auto e = g.edge_index.to_vector<int64_t>();
  for (int64_t k = 0; k < g.num_edges(); ++k) real.insert({e[k], e[g.num_edges() + k]});
  NeighborSampler sampler(g, {3, 2}, {0, 5, 33, 12, 20}, 2, true, 1);
  EXPECT_EQ(sampler.size(), 3);
  sampler.start_epoch();
  std::set<int64_t> seeds;
  for (int64_t b = 0; b < sampler.size(); ++b) {
    const auto batch = sampler.batch(b);
    EXPECT_LE(batch.num_seeds, 2);
    for (int64_t s = 0; s < batch.num_seeds; ++s) seeds.insert(batch.nodes[s]);
    const auto le = batch.graph.edge_index.to_vector<int64_t>();
    const int64_t m = batch.graph.num_edges();
    std::map<int64_t, int> incoming;
    for (int64_t k = 0; k < m; ++k) {
      EXPECT_TRUE(real.count({batch.nodes[le[k]], batch.nodes[le[m + k]]}));
      ++incoming[le[m + k]];
    }
    for (auto [node, count] : incoming) EXPECT_LE(count, node < batch.num_seeds ? 3 : 2);
    EXPECT_EQ(batch.graph.x.size(0), static_cast<int64_t>(batch.nodes.size()));
  }
  EXPECT_EQ(seeds, (std::set<int64_t>{0, 5, 33, 12, 20}));
}

TEST(NeighborSampler, SeededAndReproducible) {
  const Graph g = karate_club();
  NeighborSampler a(g, {4}, mask_nodes(g.test_mask), 8, true, 5),
      b(g, {4}, mask_nodes(g.test_mask), 8, true, 5);
  a.start_epoch();
  b.start_epoch();
  EXPECT_EQ(a.batch(1).nodes, b.batch(1).nodes);
}

TEST(NeighborSampler, BadArguments) {
  const Graph g = karate_club();
  EXPECT_ERROR_CONTAINS(NeighborSampler(g, {}, {0}, 4), "fanouts");
  EXPECT_ERROR_CONTAINS(NeighborSampler(g, {2}, {40}, 4), "seed node 40");
  EXPECT_ERROR_CONTAINS(NeighborSampler(g, {0}, {1}, 4), "fanout");
  NeighborSampler s(g, {2}, {1}, 4);
  EXPECT_ERROR_CONTAINS(s.batch(3), "batch 3");
}

}  // namespace
}  // namespace strata::data::graph
