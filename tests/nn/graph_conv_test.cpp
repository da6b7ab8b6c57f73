// Graph layers on hand-computed graphs, their parameter names (PyG's) and bad input.
#include "strata/nn/graph_conv.h"

#include "test_util.h"

namespace strata {
namespace {

std::vector<std::string> names(nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name);
  return out;
}

TEST(GraphConv, GCNHandComputed) {
  // 0 -> 1; with self loops deg = [1, 2]: out0 = x0, out1 = x0 / sqrt(2) + x1 / 2.
  nn::GCNConv conv(1, 1);
  conv->lin->weight = ones({1, 1});
  const Tensor out = conv(from_vector<float>({1, 2}, {2, 1}), from_vector<int64_t>({0, 1}, {2, 1}));
  const auto v = out.to_vector<float>();
  EXPECT_NEAR(v[0], 1.0, 1e-6);
  EXPECT_NEAR(v[1], 1.0 / std::sqrt(2.0) + 1.0, 1e-6);
}

TEST(GraphConv, SAGEMaxAndMeanHandComputed) {
  // Edges 0 -> 2, 1 -> 2; node 0 and 1 receive nothing (aggregate 0).
  const Tensor x = from_vector<float>({1, 5, 3}, {3, 1});
  const Tensor e = from_vector<int64_t>({0, 1, 2, 2}, {2, 2});
  for (auto [aggr, want] : {std::pair{"mean", 3.0f}, std::pair{"max", 5.0f}}) {
    nn::SAGEConv conv(1, 1, {.aggr = aggr, .root_weight = false, .bias = false});
    conv->lin_l->weight = ones({1, 1});
    EXPECT_EQ(conv(x, e).to_vector<float>(), (std::vector<float>{0, 0, want})) << aggr;
  }
}

TEST(GraphConv, GATAttentionSumsToOne) {
  nn::GATConv conv(4, 3, {.heads = 2});
  const Tensor e = from_vector<int64_t>({0, 1, 2, 3, 1, 2, 3, 0}, {2, 4});
  const Tensor out = conv(randn({4, 4}), e);
  EXPECT_EQ(out.shape(), (Shape{4, 6}));
  const Tensor alpha = conv->last_attention();  // 4 edges + 4 self loops, 2 heads
  EXPECT_EQ(alpha.shape(), (Shape{8, 2}));
  const auto sums =
      ops::scatter_reduce(alpha, from_vector<int64_t>({1, 2, 3, 0, 0, 1, 2, 3}), 4, ops::Reduce::Sum)
          .to_vector<float>();
  for (float s : sums) EXPECT_NEAR(s, 1.0f, 1e-5);
}

// Names and order as torch gives them: own parameters first, then children.
TEST(GraphConv, ParameterNamesFollowPyG) {
  nn::GCNConv gcn(4, 2);
  EXPECT_EQ(names(*gcn.ptr()), (std::vector<std::string>{"bias", "lin.weight"}));
  nn::SAGEConv sage(4, 2);
  EXPECT_EQ(names(*sage.ptr()), (std::vector<std::string>{"lin_l.weight", "lin_l.bias", "lin_r.weight"}));
  nn::GATConv gat(4, 2, {.heads = 3});
  EXPECT_EQ(names(*gat.ptr()), (std::vector<std::string>{"att_src", "att_dst", "bias", "lin.weight"}));
  EXPECT_EQ(gat->bias.shape(), (Shape{6}));
}

TEST(GraphConv, GATDropoutOnlyInTraining) {
  nn::GATConv conv(3, 2, {.dropout = 0.5});
  const Tensor x = randn({4, 3});
  const Tensor e = from_vector<int64_t>({0, 1, 2, 1, 2, 3}, {2, 3});
  conv->eval();
  EXPECT_EQ(conv(x, e).to_vector<float>(), conv(x, e).to_vector<float>());
}

TEST(GraphConv, BadInput) {
  nn::GCNConv conv(3, 2);
  EXPECT_ERROR_CONTAINS(conv(zeros({4, 5}), from_vector<int64_t>({0, 1}, {2, 1})), "GCNConv",
                        "[num_nodes, 3]", "[4, 5]");
  EXPECT_ERROR_CONTAINS(conv(zeros({4, 3}), from_vector<int64_t>({0, 7}, {2, 1})), "GCNConv", "7",
                        "outside [0, 4)");
  EXPECT_ERROR_CONTAINS(conv(zeros({4, 3}), from_vector<int64_t>({0, 1})), "GCNConv", "[2, E]");
  EXPECT_ERROR_CONTAINS(nn::SAGEConv(3, 2, {.aggr = "median"}), "SAGEConv", "median");
  EXPECT_ERROR_CONTAINS(nn::GATConv(3, 2, {.heads = 0}), "GATConv", "heads");
  EXPECT_ERROR_CONTAINS(conv(zeros({4, 3})), "GCNConv");
}

}  // namespace
}  // namespace strata
