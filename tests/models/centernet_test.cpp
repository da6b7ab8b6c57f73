// CenterNet: target encoding (Gaussian peaks of exactly 1 at centre cells, sizes and offsets in cells),
// decoding hand-made head outputs into the boxes they stand for, an encode -> decode round trip, losses
// that vanish for perfect predictions, and a short fit that drives the loss down.
#include "strata/models/centernet.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

CenterNetOptions small() { return {.in_channels = 1, .num_classes = 3, .width = 4, .head_channels = 8}; }

// Padded boxes [1, 2, 5]: a class-2 box (8, 4)-(40, 28) and padding.
Tensor one_box() { return from_vector<float>({2, 8, 4, 40, 28, -1, -1, -1, -1, -1}, {1, 2, 5}); }

TEST(CenterNet, EncodesCentresSizesAndOffsets) {
  CenterNet net(small());
  const CenterNetTargets t = net->encode(one_box(), 12, 12);
  EXPECT_EQ(t.objects, 1);
  // Centre (24, 16) px = (6, 4) cells exactly: heat 1 there, size (8, 6) cells, offset 0.
  const auto heat = t.heatmap.to_vector<float>();
  EXPECT_FLOAT_EQ(heat[(2 * 12 + 4) * 12 + 6], 1.0f);
  EXPECT_LT(heat[(2 * 12 + 4) * 12 + 8], 1.0f);
  EXPECT_GT(heat[(2 * 12 + 4) * 12 + 8], 0.0f);
  EXPECT_FLOAT_EQ(heat[(0 * 12 + 4) * 12 + 6], 0.0f);  // other classes stay 0
  const auto size = t.size.to_vector<float>();
  EXPECT_FLOAT_EQ(size[4 * 12 + 6], 8.0f);
  EXPECT_FLOAT_EQ(size[144 + 4 * 12 + 6], 6.0f);
  EXPECT_FLOAT_EQ(t.mask.to_vector<float>()[4 * 12 + 6], 1.0f);
  EXPECT_FLOAT_EQ(ops::sum(t.mask).item<float>(), 1.0f);
}

// Head outputs that say exactly what the targets say: heat-map logits of +-12, sizes and offsets copied.
CenterNetMaps perfect(const CenterNetTargets& t) {
  const Tensor pos = ops::eq(t.heatmap, 1.0).to(kFloat32);
  return {pos * 24.0 - 12.0, t.size, t.offset};
}

TEST(CenterNet, DecodesWhatItEncodes) {
  CenterNet net(small());
  const Tensor boxes = from_vector<float>({2, 8, 4, 40, 28, 0, 50, 50, 70, 90}, {1, 2, 5});
  const std::vector<metrics::Detections> d = net->decode(perfect(net->encode(boxes, 24, 24)));
  ASSERT_EQ(d.size(), 1u);
  ASSERT_EQ(d[0].labels.size(0), 2);
  const auto b = d[0].boxes.to_vector<float>();
  const auto l = d[0].labels.to_vector<int64_t>();
  for (int64_t i = 0; i < 2; ++i) {
    static constexpr float kTwo[4] = {8, 4, 40, 28}, kZero[4] = {50, 50, 70, 90};
    const float* want = l[static_cast<size_t>(i)] == 2 ? kTwo : kZero;
    for (int64_t k = 0; k < 4; ++k) EXPECT_NEAR(b[static_cast<size_t>(i * 4 + k)], want[k], 1e-4);
  }
  EXPECT_GT(d[0].scores.to_vector<float>()[0], 0.99f);
}

TEST(CenterNet, PerfectPredictionsHaveNearZeroLoss) {
  CenterNet net(small());
  const CenterNetTargets t = net->encode(one_box(), 12, 12);
  const CenterNetLoss l = net->loss(perfect(t), t);
  EXPECT_LT(l.loss.item<float>(), 1e-3f);
  // The untrained prior (every cell at 0.1) is far from it.
  const CenterNetMaps prior{full({1, 3, 12, 12}, -std::log(9.0)), zeros({1, 2, 12, 12}),
                            zeros({1, 2, 12, 12})};
  EXPECT_GT(net->loss(prior, t).loss.item<float>(), 1.0f);
}

TEST(CenterNet, HeadsAndAShortFit) {
  manual_seed(0);
  CenterNet net(small());
  const Tensor x = rand({2, 1, 48, 48});
  const CenterNetMaps m = net->heads(x);
  EXPECT_EQ(m.heatmap.shape(), Shape({2, 3, 12, 12}));
  EXPECT_EQ(net->forward(x).shape(), Shape({2, 7, 12, 12}));
  const Tensor boxes = ops::cat({one_box(), one_box()}, 0);
  optim::Adam opt(net->parameters(), {.lr = 1e-2});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    const CenterNetMaps maps = net->heads(x);
    const CenterNetLoss l = net->loss(maps, net->encode(boxes, 12, 12));
    l.loss.backward();
    opt.step();
    (step == 0 ? first : last) = l.loss.item<double>();
  }
  EXPECT_LT(last, first * 0.5);
}

TEST(CenterNet, RejectsBadInput) {
  CenterNet net(small());
  EXPECT_THROW(net->heads(zeros({1, 1, 40, 40})), Error);  // not a multiple of 16
  EXPECT_THROW(net->encode(zeros({1, 4}), 12, 12), Error);
  EXPECT_THROW(net->encode(from_vector<float>({5, 0, 0, 8, 8}, {1, 1, 5}), 12, 12), Error);  // class 5 of 3
  EXPECT_THROW(CenterNet(CenterNetOptions{.num_classes = 0}), Error);
}

}  // namespace
}  // namespace strata::models
