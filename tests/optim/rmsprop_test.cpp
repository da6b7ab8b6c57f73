// RMSprop: hand-computed plain, centered and momentum steps, weight decay, state dicts, errors.
#include "strata/optim/rmsprop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "strata/strata.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_vector<double>(v);
  t.requires_grad_();
  return t;
}

void give_grad(Tensor& p, const std::vector<double>& g) { p.set_grad(from_vector<double>(g, p.shape())); }

TEST(RMSprop, PlainFirstStep) {
  Tensor p = leaf({1.0});
  RMSprop opt({p}, {.lr = 0.01});
  give_grad(p, {2.0});
  opt.step();
  // square_avg = 0.01 * 4; avg = 0.2 + eps
  EXPECT_NEAR(p.item(), 1.0 - 0.01 * 2.0 / (0.2 + 1e-8), 1e-15);
}

TEST(RMSprop, CenteredSubtractsTheSquaredMeanGradient) {
  Tensor p = leaf({1.0});
  RMSprop opt({p}, {.lr = 0.01, .alpha = 0.9, .centered = true});
  give_grad(p, {2.0});
  opt.step();
  // square_avg = 0.1 * 4 = 0.4; grad_avg = 0.1 * 2 = 0.2; avg = sqrt(0.4 - 0.04) + eps
  EXPECT_NEAR(p.item(), 1.0 - 0.01 * 2.0 / (std::sqrt(0.36) + 1e-8), 1e-15);
  const StateDict s = opt.state_dict();
  EXPECT_NEAR(s.at("state.0.0.grad_avg").item(), 0.2, 1e-15);
  EXPECT_NEAR(s.at("state.0.0.square_avg").item(), 0.4, 1e-15);
  EXPECT_FALSE(s.count("state.0.0.momentum_buffer"));
}

TEST(RMSprop, MomentumAccumulatesScaledGradients) {
  Tensor p = leaf({0.0});
  RMSprop opt({p}, {.lr = 0.1, .alpha = 0.5, .eps = 0.0, .momentum = 0.9});
  give_grad(p, {1.0});
  opt.step();  // sq = 0.5, buf = 1 / sqrt(0.5)
  const double buf1 = 1.0 / std::sqrt(0.5);
  EXPECT_NEAR(p.item(), -0.1 * buf1, 1e-15);
  give_grad(p, {2.0});
  opt.step();  // sq = 0.25 + 2 = 2.25, buf = 0.9 buf1 + 2 / 1.5
  const double buf2 = 0.9 * buf1 + 2.0 / 1.5;
  EXPECT_NEAR(p.item(), -0.1 * buf1 - 0.1 * buf2, 1e-15);
  EXPECT_NEAR(opt.state_dict().at("state.0.0.momentum_buffer").item(), buf2, 1e-15);
  EXPECT_EQ(opt.state_dict().at("state.0.0.step").item(), 2.0);
}

TEST(RMSprop, WeightDecayJoinsTheGradient) {
  Tensor q = leaf({2.0});
  RMSprop opt({q}, {.lr = 0.01, .alpha = 0.0, .eps = 0.0, .weight_decay = 0.5});
  give_grad(q, {1.0});
  opt.step();  // g = 1 + 0.5 * 2 = 2, square_avg = 4, avg = 2: q = 2 - 0.01 * 2 / 2
  EXPECT_NEAR(q.item(), 1.99, 1e-15);
}

TEST(RMSprop, LoadNeedsTheStateTheOptionsImply) {
  Tensor p = leaf({1.0, 2.0});
  RMSprop opt({p}, {.momentum = 0.5, .centered = true});
  give_grad(p, {1.0, 1.0});
  opt.step();
  StateDict s = opt.state_dict();
  s.erase("state.0.0.grad_avg");
  try {
    opt.load_state_dict(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("RMSprop::load_state_dict: missing key 'state.0.0.grad_avg'"));
  }
  s = opt.state_dict();
  s["state.0.0.square_avg"] = zeros({2, 1}, {.dtype = kFloat64});
  EXPECT_THROW(opt.load_state_dict(s), Error);
  opt.load_state_dict(opt.state_dict());  // the genuine article loads
}

TEST(RMSprop, BadOptionsAreRefused) {
  Tensor p = leaf({1.0});
  try {
    RMSprop({p}, {.alpha = -0.5});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("RMSprop: invalid alpha -0.5 (must be >= 0)"));
  }
  EXPECT_THROW(RMSprop({p}, {.lr = -1}), Error);
  EXPECT_THROW(RMSprop({p}, {.eps = -1}), Error);
  EXPECT_THROW(RMSprop({p}, {.weight_decay = -1}), Error);
  EXPECT_THROW(RMSprop({p}, {.momentum = -1}), Error);
}

}  // namespace
}  // namespace strata::optim
