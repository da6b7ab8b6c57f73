// Graph passes on hand-built graphs: CSE merges equal nodes, algebraic simplification drops no-op
// reshapes and repeated ReLUs, DCE keeps outputs and effects, post-op fusion needs a single reader.
#include "strata/compile/passes.h"

#include <gtest/gtest.h>

namespace strata::compiler {
namespace {

int count(const Graph& g, OpKind op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

TEST(Passes, CseMergesEqualNodesAndRewiresTheirReaders) {
  Graph g;
  const int x = g.add_value(ValueKind::Input, {4, 8}, kFloat32, true, "x");
  g.inputs = {x};
  const int a = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  const int b = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  const int ya = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  g.add_node(OpKind::Relu, {x}, {a});
  g.add_node(OpKind::Relu, {x}, {b});  // the same op on the same operand
  g.add_node(OpKind::ReluBackward, {a, b}, {ya});
  g.outputs = {ya};
  EXPECT_EQ(eliminate_common_subexpressions(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<int>{a, a}));
}

TEST(Passes, SimplificationDropsNoOpReshapesAndRepeatedRelus) {
  Graph g;
  const int x = g.add_value(ValueKind::Input, {4, 8}, kFloat32, true, "x");
  const int r1 = g.add_value(ValueKind::Temporary, {4, 2, 4}, kFloat32, true);
  const int r2 = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  const int y1 = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  const int y2 = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  g.add_node(OpKind::Reshape, {x}, {r1});
  g.add_node(OpKind::Reshape, {r1}, {r2});  // back to x's shape: x itself
  g.add_node(OpKind::Relu, {r2}, {y1});
  g.add_node(OpKind::Relu, {y1}, {y2});  // relu(relu(x)) = relu(x)
  g.outputs = {y2};
  EXPECT_EQ(simplify_algebra(g), 2);
  EXPECT_EQ(g.outputs, std::vector<int>{y1});
  EXPECT_EQ(eliminate_dead_code(g), 1);  // the first reshape has no reader left
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, OpKind::Relu);
  EXPECT_EQ(g.nodes[0].inputs, std::vector<int>{x});
}

TEST(Passes, DeadCodeKeepsEffectsAndOutputs) {
  Graph g;
  const int x = g.add_value(ValueKind::Input, {4, 8}, kFloat32, true, "x");
  const int dead = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  const int live = g.add_value(ValueKind::Temporary, {4, 8}, kFloat32, true);
  g.add_node(OpKind::Relu, {x}, {dead});
  g.add_node(OpKind::Relu, {x}, {live});
  g.add_node(OpKind::OptimizerStep, {}, {});
  g.outputs = {live};
  EXPECT_EQ(eliminate_dead_code(g), 1);
  EXPECT_EQ(count(g, OpKind::OptimizerStep), 1);
  EXPECT_EQ(g.nodes[0].outputs, std::vector<int>{live});
}

TEST(Passes, PostOpFusionNeedsTheOnlyReader) {
  Graph g;
  const int x = g.add_value(ValueKind::Input, {4, 8}, kFloat32, true, "x");
  const int w = g.add_value(ValueKind::Parameter, {3, 8}, kFloat32, false, "w");
  const int pre = g.add_value(ValueKind::Temporary, {4, 3}, kFloat32, true);
  const int y = g.add_value(ValueKind::Temporary, {4, 3}, kFloat32, true);
  g.add_node(OpKind::Linear, {x, w, -1}, {pre});
  g.add_node(OpKind::Relu, {pre}, {y});
  g.outputs = {y, pre};  // the pre-activation is read too: no fusion
  EXPECT_TRUE(fuse_post_ops(g).empty());
  g.outputs = {y};
  EXPECT_EQ(fuse_post_ops(g).size(), 1u);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_TRUE(g.nodes[0].attrs.relu);
  EXPECT_EQ(g.nodes[0].outputs, std::vector<int>{y});
}

}  // namespace
}  // namespace strata::compiler
