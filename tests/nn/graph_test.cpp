// nn::Graph: nodes run in order on the outputs of earlier nodes, merges join branches, errors name nodes.
#include "strata/nn/graph.h"

#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/merge.h"
#include "strata/nn/normalization.h"
#include "test_util.h"

namespace strata::nn {
namespace {

void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Graph, ResidualEqualsHandWrittenForward) {
  manual_seed(1);
  Graph g;
  Linear a(4, 4), b(4, 4);
  g->add("a", a);
  g->add("relu", ReLU());
  g->add("b", b);
  g->add("sum", Add(), {"b", "input"});
  const Tensor x = randn({3, 4});
  const Tensor expected = b(ops::relu(a(x))) + x;
  EXPECT_TRUE(allclose(g(x), expected));
  EXPECT_EQ(g->inputs_of("sum"), (std::vector<std::string>{"b", "input"}));
  EXPECT_EQ(g->node_names(), (std::vector<std::string>{"a", "relu", "b", "sum"}));
  // Children are the nodes, so parameters carry the node names.
  std::vector<std::string> names;
  for (const auto& [n, _] : g->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
}

TEST(Graph, ConcatAndMulBranches) {
  manual_seed(2);
  Graph g;
  Linear left(3, 2), right(3, 2);
  g->add("left", left, {"input"});
  g->add("right", right, {"input"});
  g->add("gate", Mul(), {"left", "right"});
  g->add("both", Concat(1), {"gate", "left"});
  const Tensor x = randn({5, 3});
  const Tensor l = left(x), r = right(x);
  EXPECT_TRUE(allclose(g(x), ops::cat({l * r, l}, 1)));
}

TEST(Graph, OutputCanBeAnEarlierNode) {
  Graph g;
  g->add("fc", Linear(3, 2));
  g->add("act", Sigmoid());
  g->set_output("fc");
  const Tensor x = randn({2, 3});
  EXPECT_EQ(g->output(), "fc");
  EXPECT_TRUE(allclose(g(x), std::static_pointer_cast<LinearImpl>(g->children()[0])->forward(x)));
}

TEST(Graph, FusedNormReluMatchesTheUnfusedPair) {
  manual_seed(3);
  // conv -> bn -> relu runs bn and relu as one kernel; values and gradients equal the pair run apart.
  auto build = [] {
    manual_seed(4);
    Graph g;
    g->add("conv", Conv2d(2, 3, 3, {.padding = 1}));
    g->add("bn", BatchNorm2d(3));
    g->add("relu", ReLU());
    return g;
  };
  Graph fused = build();
  Graph reference = build();
  const Tensor x = randn({2, 2, 5, 5});
  Tensor y1 = fused(x);
  const auto kids = reference->children();
  Tensor y2 = ops::relu(kids[1]->forward(kids[0]->forward(x)));
  EXPECT_TRUE(allclose(y1, y2, 1e-5, 1e-5));
  y1.sum().backward();
  y2.sum().backward();
  const auto p1 = fused->parameters(), p2 = reference->parameters();
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(allclose(p1[i].grad(), p2[i].grad(), 1e-4, 1e-5)) << i;
}

TEST(Graph, RunsANodeSwappedByReplace) {
  manual_seed(5);
  Graph g;
  g->add("conv", Conv2d(2, 3, 3, {.padding = 1}));
  g->add("bn", BatchNorm2d(3));
  g->add("relu", ReLU());
  g->eval();
  const Tensor x = randn({1, 2, 4, 4});
  const Tensor before = g(x);
  // The batch norm (fused with the ReLU) becomes an identity: the graph now computes relu(conv(x)).
  g->replace("bn", Identity().ptr());
  const auto kids = g->children();
  EXPECT_TRUE(allclose(g(x), ops::relu(kids[0]->forward(x)), 1e-6, 1e-6));
  EXPECT_FALSE(allclose(g(x), before, 1e-6, 1e-6));
}

TEST(Graph, Errors) {
  Graph g;
  g->add("fc", Linear(3, 3));
  expect_error([&] { g->add("fc", ReLU()); }, {"node 'fc' is defined twice"});
  expect_error([&] { g->add("x", ReLU(), {"nope"}); }, {"node 'x' reads 'nope'", "earlier: input, fc"});
  expect_error(
      [&] {
        g->add("two", ReLU(), {"fc", "input"});
      },
      {"takes one input but reads 2", "add, mul or concat"});
  expect_error([&] { g->add("one", Add(), {"fc"}); }, {"merges several inputs but reads 1"});
  expect_error([&] { g->add("a.b", ReLU()); }, {"cannot name a node"});
  expect_error([&] { g->set_output("zzz"); }, {"output 'zzz' is not a node"});
  g->add("sum", Add(), {"fc", "input"});
  expect_error([&] { g(randn({2, 3}).reshape({3, 2})); }, {"Linear"});
  Graph bad;
  bad->add("fc", Linear(3, 2));
  bad->add("sum", Add(), {"fc", "input"});
  expect_error([&] { bad(randn({4, 3})); }, {"Add: inputs must have the same shape", "[4, 2] and [4, 3]"});
  Graph empty;
  expect_error([&] { empty(randn({1})); }, {"Graph: has no nodes"});
}

TEST(Merge, ConcatChecksItsInputs) {
  Concat cat(1);
  expect_error(
      [&] {
        cat->forward(std::vector<Tensor>{randn({2, 3}), randn({3, 3})});
      },
      {"Concat: inputs must agree in every dimension but 1", "[2, 3] and [3, 3]"});
  expect_error([&] { cat->forward(std::vector<Tensor>{randn({2, 3})}); }, {"needs at least 2 inputs"});
  expect_error([&] { cat->forward(randn({2, 3})); }, {"merges several inputs"});
  EXPECT_EQ(cat->forward(std::vector<Tensor>{randn({2, 3}), randn({2, 1})}).shape(), (Shape{2, 4}));
}

}  // namespace
}  // namespace strata::nn
