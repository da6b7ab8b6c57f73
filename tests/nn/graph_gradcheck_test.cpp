// Gradient checks through graphs: a residual block with a projection, and the three merges.
#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/graph.h"
#include "strata/nn/linear.h"
#include "strata/nn/merge.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(GraphGradcheck, ResidualConvBlock) {
  manual_seed(5);
  Graph g;
  g->add("conv1", Conv2d(2, 3, 3, {.padding = 1}));
  g->add("act", Tanh());
  g->add("conv2", Conv2d(3, 3, 3, {.padding = 1}));
  g->add("proj", Conv2d(2, 3, 1), {"input"});
  g->add("sum", Add(), {"conv2", "proj"});
  g->to(kFloat64);
  std::vector<Tensor> leaves{input({2, 2, 4, 4})};
  for (const auto& p : g->parameters()) leaves.push_back(p);
  auto r = autograd::gradcheck([&](const Inputs& x) { return g(x[0]); }, leaves);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(GraphGradcheck, MulAndConcatOfBranches) {
  manual_seed(6);
  Graph g;
  g->add("a", Linear(3, 4), {"input"});
  g->add("b", Linear(3, 4), {"input"});
  g->add("gate", Mul(), {"a", "b"});
  g->add("joined", Concat(-1), {"gate", "b", "a"});
  g->to(kFloat64);
  std::vector<Tensor> leaves{transposed_input({3, 3})};
  for (const auto& p : g->parameters()) leaves.push_back(p);
  auto r = autograd::gradcheck([&](const Inputs& x) { return g(x[0]); }, leaves);
  EXPECT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace strata::nn
