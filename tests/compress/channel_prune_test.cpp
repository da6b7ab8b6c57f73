// Structured channel pruning: shapes, outputs equal to the masked network, BatchNorm, graphs, errors.
#include "strata/compress/channel_prune.h"

#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "test_util.h"

namespace strata::compress {
namespace {

// Zeroes the output channels of a conv (weight and bias) that are not in `kept`.
void zero_channels(nn::Conv2dImpl& conv, const std::vector<int64_t>& kept) {
  NoGradGuard no_grad;
  std::vector<float> keep(static_cast<size_t>(conv.out_channels), 0.0f);
  for (int64_t c : kept) keep[static_cast<size_t>(c)] = 1.0f;
  const Tensor m = from_vector(keep);
  Tensor w = conv.weight.detach();
  w.mul_(m.reshape({conv.out_channels, 1, 1, 1}));
  if (conv.bias.defined()) {
    Tensor b = conv.bias.detach();
    b.mul_(m);
  }
}

std::vector<float> values(const Tensor& t) { return t.detach().contiguous().to_vector<float>(); }

void expect_close(const Tensor& a, const Tensor& b, double tol) {
  const auto x = values(a), y = values(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol) << "element " << i;
}

TEST(ChannelPrune, LeNetShapesAndOutputs) {
  manual_seed(1);
  nn::Sequential net = models::lenet5();
  net->eval();
  const Tensor x = randn({3, 1, 28, 28});
  const ChannelPruneResult r = prune_channels(net.ptr(), {.amount = 0.5, .round_to = 1});
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].name, "0");
  EXPECT_EQ(r.layers[0].channels_before, 6);
  EXPECT_EQ(r.layers[0].channels_after, 3);
  EXPECT_EQ(r.layers[1].channels_after, 8);
  nn::Module& small = *r.model;
  const nn::StateDict state = small.state_dict();
  EXPECT_EQ(state.at("0.weight").shape(), (Shape{3, 1, 5, 5}));
  EXPECT_EQ(state.at("0.bias").shape(), (Shape{3}));
  EXPECT_EQ(state.at("3.weight").shape(), (Shape{8, 3, 5, 5}));
  EXPECT_EQ(state.at("7.weight").shape(), (Shape{120, 200}));
  EXPECT_EQ(state.at("9.weight").shape(), (Shape{84, 120}));  // untouched
  EXPECT_EQ(small.num_parameters(),
            3 * 25 + 3 + 8 * 3 * 25 + 8 + 200 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10);

  // The original network with the removed channels zeroed computes exactly what the small one does.
  zero_channels(*std::dynamic_pointer_cast<nn::Conv2dImpl>((*net)[0]), r.layers[0].kept);
  zero_channels(*std::dynamic_pointer_cast<nn::Conv2dImpl>((*net)[3]), r.layers[1].kept);
  NoGradGuard no_grad;
  expect_close(small(x), net(x), 1e-5);
}

TEST(ChannelPrune, KeepsTheFiltersOfLargestNorm) {
  Tensor w = zeros({4, 1, 1, 2});
  {
    NoGradGuard no_grad;
    w.copy_(from_vector<float>({3, 0, 1, 1, 0, 0.5f, -2, -2}, {4, 1, 1, 2}));
  }
  // L1: 3, 2, 0.5, 4; L2^2: 9, 2, 0.25, 8.
  EXPECT_EQ(channels_to_keep(w, 2, ChannelNorm::L1), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(channels_to_keep(w, 3, ChannelNorm::L2), (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(channels_to_keep(w, 1, ChannelNorm::L2), (std::vector<int64_t>{0}));
  EXPECT_ERROR_CONTAINS(channels_to_keep(w, 5, ChannelNorm::L1), "keep must be in [1, 4], got 5");
}

TEST(ChannelPrune, BatchNormEntriesFollowTheirChannels) {
  manual_seed(2);
  nn::Sequential net(nn::Conv2d(2, 6, 3, {.padding = 1}), nn::BatchNorm2d(6), nn::ReLU(), nn::Dropout(0.2),
                     nn::Conv2d(6, 4, 3), nn::ReLU(), nn::AdaptiveAvgPool2d(1), nn::Flatten(),
                     nn::Linear(4, 3));
  // Non-trivial running statistics and affine parameters.
  const Tensor x = randn({5, 2, 8, 8});
  net(x);
  net->eval();
  auto bn = std::dynamic_pointer_cast<nn::BatchNormImpl>((*net)[1]);
  const ChannelPruneResult r =
      prune_channels(net.ptr(), {.amount = 0.34, .norm = ChannelNorm::L2, .round_to = 1});
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].channels_after, 4);
  EXPECT_EQ(r.layers[1].channels_after, 3);
  const nn::StateDict s = r.model->state_dict();
  EXPECT_EQ(s.at("1.running_mean").shape(), (Shape{4}));
  EXPECT_EQ(s.at("4.weight").shape(), (Shape{3, 4, 3, 3}));
  EXPECT_EQ(s.at("8.weight").shape(), (Shape{3, 3}));
  const auto kept = r.layers[0].kept;
  const auto mean = values(bn->running_mean), small_mean = values(s.at("1.running_mean"));
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(small_mean[i], mean[static_cast<size_t>(kept[i])]);
  EXPECT_FALSE(r.model->is_training());

  // Zeroed channels: BN maps them to its bias, so zero BN's weight and bias there too.
  zero_channels(*std::dynamic_pointer_cast<nn::Conv2dImpl>((*net)[0]), r.layers[0].kept);
  zero_channels(*std::dynamic_pointer_cast<nn::Conv2dImpl>((*net)[4]), r.layers[1].kept);
  {
    NoGradGuard no_grad;
    std::vector<float> m(6, 0.0f);
    for (int64_t c : kept) m[static_cast<size_t>(c)] = 1.0f;
    Tensor w = bn->weight.detach(), b = bn->bias.detach();
    w.mul_(from_vector(m));
    b.mul_(from_vector(m));
  }
  NoGradGuard no_grad;
  expect_close((*r.model)(x), net(x), 1e-5);
}

TEST(ChannelPrune, ChainGraphBecomesSequential) {
  manual_seed(3);
  nn::Graph g;
  g->add("conv1", nn::Conv2d(1, 4, 3).ptr());
  g->add("relu1", nn::ReLU().ptr());
  g->add("conv2", nn::Conv2d(4, 2, 3).ptr());
  const ChannelPruneResult r = prune_channels(g.ptr(), {.amount = 0.5, .round_to = 1});
  ASSERT_EQ(r.layers.size(), 1u);  // conv2's channels are the output
  EXPECT_EQ(r.layers[0].name, "conv1");
  const nn::StateDict s = r.model->state_dict();
  EXPECT_EQ(s.at("conv1.weight").shape(), (Shape{2, 1, 3, 3}));
  EXPECT_EQ(s.at("conv2.weight").shape(), (Shape{2, 2, 3, 3}));
  EXPECT_EQ(r.model->type_name(), "Sequential");
}

TEST(ChannelPrune, RoundsKeptChannelsAndSelectsLayers) {
  // Kept counts round up to a multiple of round_to, never past the layer's width.
  EXPECT_EQ(channels_kept(6, {.amount = 0.5}), 4);   // 3 -> 4
  EXPECT_EQ(channels_kept(16, {.amount = 0.5}), 8);  // already a multiple
  EXPECT_EQ(channels_kept(16, {.amount = 0.9}), 4);  // 2 -> 4
  EXPECT_EQ(channels_kept(6, {.amount = 0.5, .round_to = 8}), 6);
  EXPECT_EQ(channels_kept(64, {.amount = 0.55, .round_to = 16}), 32);  // 29 -> 32
  EXPECT_EQ(channels_kept(6, {.amount = 0.5, .round_to = 1}), 3);
  EXPECT_EQ(channels_kept(6, {.amount = 0.9, .min_channels = 2, .round_to = 1}), 2);

  // LeNet-5 at the default rounding: 6 -> 4 and 16 -> 8 channels.
  manual_seed(4);
  nn::Sequential net = models::lenet5();
  net->eval();
  const ChannelPruneResult r = prune_channels(net.ptr(), {.amount = 0.5});
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].channels_after, 4);
  EXPECT_EQ(r.layers[1].channels_after, 8);
  EXPECT_EQ(r.model->state_dict().at("3.weight").shape(), (Shape{8, 4, 5, 5}));

  // Only the convolutions named by a glob.
  const ChannelPruneResult second = prune_channels(net.ptr(), {.amount = 0.5, .layers = {"3"}});
  ASSERT_EQ(second.layers.size(), 1u);
  EXPECT_EQ(second.layers[0].name, "3");
  const nn::StateDict s = second.model->state_dict();
  EXPECT_EQ(s.at("0.weight").shape(), (Shape{6, 1, 5, 5}));
  EXPECT_EQ(s.at("3.weight").shape(), (Shape{8, 6, 5, 5}));
  EXPECT_EQ(s.at("7.weight").shape(), (Shape{120, 200}));
  EXPECT_ERROR_CONTAINS(prune_channels(net.ptr(), {.layers = {"conv*"}}),
                        "no Conv2d is called 'conv*' (the convolutions: 0, 3)");
  EXPECT_ERROR_CONTAINS(prune_channels(net.ptr(), {.round_to = 0}), "round_to must be at least 1, got 0");
}

TEST(ChannelPrune, RefusesWhatItCannotFollow) {
  nn::Graph residual;
  residual->add("conv1", nn::Conv2d(2, 2, 3, {.padding = 1}).ptr());
  residual->add("sum", nn::Add().ptr(), {"conv1", "input"});
  EXPECT_ERROR_CONTAINS(prune_channels(residual.ptr(), {}), "graph node 'sum' (Add) reads [conv1, input]",
                        "residual connection");
  nn::Sequential grouped(nn::Conv2d(4, 4, 3, {.groups = 2}), nn::ReLU(), nn::Conv2d(4, 2, 1));
  EXPECT_ERROR_CONTAINS(prune_channels(grouped.ptr(), {}), "Conv2d '0' has groups=2");
  nn::Sequential mixing(nn::Conv2d(1, 4, 3), nn::Flatten(0, -1));
  EXPECT_ERROR_CONTAINS(prune_channels(mixing.ptr(), {}), "Flatten '1' must flatten dims 1 to -1");
  nn::Sequential nested(nn::Sequential(nn::Conv2d(1, 2, 1)).ptr(), nn::ReLU());
  EXPECT_ERROR_CONTAINS(prune_channels(nested.ptr(), {}), "layer '0' is a nested Sequential");
  nn::Sequential ln(nn::Conv2d(1, 4, 3), nn::LayerNorm(Shape{4, 3, 3}), nn::Conv2d(4, 2, 1));
  EXPECT_ERROR_CONTAINS(prune_channels(ln.ptr(), {}),
                        "layer '1' (LayerNorm) reads the channels of Conv2d '0'");
  nn::Linear fc(2, 2);
  EXPECT_ERROR_CONTAINS(prune_channels(fc.ptr(), {}), "the model is a Linear");
  nn::Sequential ok(nn::Conv2d(1, 2, 1));
  EXPECT_ERROR_CONTAINS(prune_channels(ok.ptr(), {.amount = 1.0}), "amount must be in [0, 1), got 1");
  EXPECT_ERROR_CONTAINS(prune_channels(ok.ptr(), {.min_channels = 0}), "min_channels must be at least 1");
}

}  // namespace
}  // namespace strata::compress
