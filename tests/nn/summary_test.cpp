// nn::summary / nn::profile: a row per layer called (through any container or graph), output shapes,
// parameters and multiply-accumulates.
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/nn/graph.h"
#include "strata/nn/merge.h"
#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Summary, LeNetMultiplyAddsAndShapes) {
  auto net = models::lenet5(10);
  const auto rows = profile(*net, {1, 1, 28, 28});
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows[0].name, "0");
  EXPECT_EQ(rows[0].type, "Conv2d");
  EXPECT_EQ(rows[0].output, (Shape{1, 6, 28, 28}));
  // conv1: 6*28*28 outputs, 1*5*5 products each; conv2: 16*10*10 outputs, 6*5*5 each; fc: in*out.
  EXPECT_EQ(rows[0].macs, 6 * 28 * 28 * 25);
  EXPECT_EQ(rows[3].macs, 16 * 10 * 10 * 150);
  EXPECT_EQ(rows[7].macs, 400 * 120);
  int64_t total = 0;
  for (const auto& r : rows) total += r.macs;
  EXPECT_EQ(total, 117600 + 240000 + 48000 + 10080 + 840);
  const std::string text = summary(*net, {1, 1, 28, 28});
  EXPECT_NE(text.find("Total params: 61706"), std::string::npos) << text;
  EXPECT_NE(text.find("Total mult-adds: 416520 (416.52 K)"), std::string::npos) << text;
}

TEST(Summary, GraphNodesAndMergesGetRows) {
  Graph g;
  g->add("fc", Linear(3, 3));
  g->add("sum", Add(), {"fc", "input"});
  g->add("bn", BatchNorm1d(3));
  g->add("relu", ReLU());
  const auto rows = profile(*g, {4, 3});
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.name);
  // Fusion of bn + relu is off while profiling, so both appear.
  EXPECT_EQ(names, (std::vector<std::string>{"fc", "sum", "bn", "relu"}));
  EXPECT_EQ(rows[1].inputs.size(), 2u);
  EXPECT_EQ(rows[0].macs, 4 * 3 * 3);
  EXPECT_TRUE(g->is_training());  // profiling restores the mode
}

TEST(Summary, ConvolutionVariants) {
  Sequential net(Conv2d(4, 8, 3, {.padding = 1, .groups = 4}), ConvTranspose2d(8, 2, 2, {.stride = 2}));
  const auto rows = profile(*net, {1, 4, 6, 6});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].macs, 8 * 6 * 6 * (4 / 4) * 9);  // grouped: in_channels / groups per output
  EXPECT_EQ(rows[1].macs, 8 * 6 * 6 * 2 * 4);        // transposed: every input times out * k * k
  EXPECT_EQ(rows[1].output, (Shape{1, 2, 12, 12}));
  Conv1d conv1d(2, 3, 5);
  const auto one = profile(*conv1d, {2, 2, 9});
  ASSERT_EQ(one.size(), 1u);  // a single layer is its own row
  EXPECT_EQ(one[0].macs, 2 * 3 * 5 * 2 * 5);
}

TEST(Summary, AttentionIsOneLayer) {
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16, .batch_first = true});
  const auto rows = profile(*layer, {2, 5, 8});
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"self_attn", "dropout1", "norm1", "linear1", "dropout",
                                             "linear2", "dropout2", "norm2"}));
  EXPECT_EQ(rows[0].type, "MultiheadAttention");
  EXPECT_EQ(rows[0].params, 4 * 8 * 8 + 4 * 8);  // in_proj (weight, bias) and out_proj
  // 10 queries and 10 keys (2 x 5): four 8x8 projections, then 5 scores and 5 value sums of 8 products per
  // query.
  EXPECT_EQ(rows[0].macs, 2 * 10 * 64 + 10 * 16 * 8 + 2 * 10 * 5 * 8);
  EXPECT_NE(summary(*layer, {2, 5, 8}).find("Total params: " + std::to_string(layer->num_parameters())),
            std::string::npos);
}

}  // namespace
}  // namespace strata::nn
