// MultiheadAttention: PyTorch's parameter names and shapes, the two computation paths agreeing, mask
// conventions, fully masked rows, dropout in training mode, and bad input.
#include "strata/nn/attention.h"

#include "test_util.h"

namespace strata::nn {
namespace {

using testing::error_of;

std::vector<std::string> names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name + " " + p.shape().str());
  return out;
}

void expect_near(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << "at " << i;
}

TEST(MultiheadAttention, PyTorchParameters) {
  MultiheadAttention packed(8, 2);
  EXPECT_EQ(names(*packed), (std::vector<std::string>{"in_proj_weight [24, 8]", "in_proj_bias [24]",
                                                      "out_proj.weight [8, 8]", "out_proj.bias [8]"}));
  MultiheadAttention separate(8, 2, {.bias = false, .kdim = 3, .vdim = 5});
  EXPECT_EQ(names(*separate), (std::vector<std::string>{"q_proj_weight [8, 8]", "k_proj_weight [8, 3]",
                                                        "v_proj_weight [8, 5]", "out_proj.weight [8, 8]"}));
  // PyTorch's init: zero biases.
  EXPECT_EQ(packed->in_proj_bias.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(packed->out_proj->bias.abs().sum().item<double>(), 0.0);
}

TEST(MultiheadAttention, WeightsPathMatchesTheOp) {
  manual_seed(1);
  MultiheadAttention m(8, 4);
  m->eval();
  const Tensor x = randn({5, 3, 8});
  const Tensor kpm = from_vector<uint8_t>({0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, {3, 5});
  const Tensor mask = from_vector<uint8_t>(
      {0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {5, 5});
  for (bool causal : {false, true}) {
    const auto with = m->forward(x, x, x, {.key_padding_mask = kpm, .attn_mask = mask, .is_causal = causal});
    const auto without = m->forward(
        x, x, x, {.key_padding_mask = kpm, .need_weights = false, .attn_mask = mask, .is_causal = causal});
    expect_near(with.output, without.output);
    EXPECT_EQ(with.weights.shape(), (Shape{3, 5, 5}));
    // Rows sum to one; blocked keys get zero weight.
    for (double s : with.weights.sum({-1}).to_vector<double>()) EXPECT_NEAR(s, 1.0, 1e-5);
    EXPECT_EQ(with.weights.select(0, 0).select(0, 0).select(0, 1).item<double>(), 0.0);  // attn_mask[0, 1]
    EXPECT_EQ(with.weights.select(0, 0).select(1, 3).sum().item<double>(), 0.0);         // padding of batch 0
  }
  // Self-attention through the single-input forward (no weights) is the same computation.
  expect_near(m(x), m->forward(x, x, x).output);
}

TEST(MultiheadAttention, BoolAndFloatMasksAgree) {
  manual_seed(2);
  MultiheadAttention m(4, 2, {.batch_first = true});
  const Tensor x = randn({2, 3, 4});
  const Tensor blocked = from_vector<uint8_t>({0, 1, 1, 0, 0, 1, 0, 0, 0}, {3, 3});
  const Tensor additive = F::masked_fill(zeros({3, 3}), blocked, -std::numeric_limits<double>::infinity());
  expect_near(m->forward(x, x, x, {.attn_mask = blocked}).output,
              m->forward(x, x, x, {.attn_mask = additive}).output);
  // is_causal is the upper-triangular bool mask.
  expect_near(m->forward(x, x, x, {.attn_mask = blocked}).output,
              m->forward(x, x, x, {.need_weights = false, .is_causal = true}).output);
}

TEST(MultiheadAttention, FullyMaskedQueryGivesZeros) {
  MultiheadAttention m(4, 1, {.bias = false, .batch_first = true});
  const Tensor x = randn({1, 3, 4});
  const Tensor mask = from_vector<uint8_t>({1, 1, 1, 0, 0, 0, 0, 0, 0}, {3, 3});
  for (bool need_weights : {true, false}) {
    const auto r = m->forward(x, x, x, {.need_weights = need_weights, .attn_mask = mask});
    // Query 0 attends to nothing: zero attention output, and out_proj has no bias.
    for (double v : r.output.select(1, 0).to_vector<double>()) EXPECT_EQ(v, 0.0);
    for (double v : r.output.to_vector<double>()) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(MultiheadAttention, DropoutOnlyInTraining) {
  manual_seed(3);
  MultiheadAttention m(8, 2, {.dropout = 0.5});
  const Tensor x = randn({6, 2, 8});
  m->eval();
  const Tensor a = m->forward(x, x, x).output, b = m->forward(x, x, x).output;
  expect_near(a, b, 0.0);
  m->train();
  const auto r = m->forward(x, x, x);
  EXPECT_GT((r.output - a).abs().max().item<double>(), 1e-3);
  // Dropped weights are zero and the kept ones scaled by 2: some averaged rows no longer sum to one.
  double worst = 0;
  for (double s : r.weights.sum({-1}).to_vector<double>()) worst = std::max(worst, std::abs(s - 1.0));
  EXPECT_GT(worst, 1e-3);
  EXPECT_GT((m->forward(x, x, x, {.need_weights = false}).output - a).abs().max().item<double>(), 1e-3);
}

TEST(MultiheadAttention, PerHeadWeightsAndUnbatched) {
  MultiheadAttention m(6, 3);
  const Tensor q = randn({4, 6}), kv = randn({5, 6});
  const auto r = m->forward(q, kv, kv, {.average_attn_weights = false});
  EXPECT_EQ(r.output.shape(), (Shape{4, 6}));
  EXPECT_EQ(r.weights.shape(), (Shape{3, 4, 5}));
  const auto avg = m->forward(q, kv, kv);
  expect_near(avg.weights, r.weights.mean({0}));
}

TEST(MultiheadAttention, BadInput) {
  EXPECT_NE(error_of([] { MultiheadAttention(6, 4); }).find("divisible"), std::string::npos);
  EXPECT_NE(error_of([] { MultiheadAttention(0, 1); }).find("positive"), std::string::npos);
  EXPECT_NE(error_of([] { MultiheadAttention(4, 2, {.dropout = 1.0}); }).find("dropout"), std::string::npos);
  MultiheadAttention m(4, 2);
  const Tensor x = randn({3, 2, 4});
  EXPECT_NE(error_of([&] { m->forward(x, x, randn({3, 2})); }).find("all be 3-D"), std::string::npos);
  EXPECT_NE(error_of([&] { m->forward(randn({3, 2, 5}), x, x); }).find("features"), std::string::npos);
  EXPECT_NE(error_of([&] {
              m->forward(x, randn({3, 1, 4}), randn({3, 1, 4}));
            }).find("batch"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m->forward(x, x, x, {.attn_mask = zeros({3, 4})});
            }).find("attn_mask must be [3, 3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m->forward(x, x, x, {.key_padding_mask = zeros({3, 2})});
            }).find("key_padding_mask must be [2, 3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m->forward(x, x, x, {.attn_mask = zeros({3, 3}, {.dtype = kInt64})});
            }).find("u8 (nonzero = blocked)"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::nn
