// Adagrad: hand-computed steps with learning-rate decay and an initial accumulator, state dicts, errors.
#include "strata/optim/adagrad.h"

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

TEST(Adagrad, TwoStepsWithDecayAndInitialAccumulator) {
  Tensor p = leaf({1.0});
  Adagrad opt({p}, {.lr = 0.1, .lr_decay = 0.5, .initial_accumulator_value = 0.5});
  give_grad(p, {1.0});
  opt.step();  // sum = 1.5, clr = 0.1
  double want = 1.0 - 0.1 * 1.0 / (std::sqrt(1.5) + 1e-10);
  EXPECT_NEAR(p.item(), want, 1e-15);
  give_grad(p, {2.0});
  opt.step();  // sum = 5.5, clr = 0.1 / 1.5
  want -= 0.1 / 1.5 * 2.0 / (std::sqrt(5.5) + 1e-10);
  EXPECT_NEAR(p.item(), want, 1e-15);
  const StateDict s = opt.state_dict();
  EXPECT_DOUBLE_EQ(s.at("state.0.0.sum").item(), 5.5);
  EXPECT_EQ(s.at("state.0.0.step").item(), 2.0);
}

TEST(Adagrad, WeightDecay) {
  Tensor p = leaf({2.0});
  Adagrad opt({p}, {.lr = 0.1, .weight_decay = 0.5, .eps = 0.0});
  give_grad(p, {1.0});
  opt.step();  // g = 2, sum = 4, p = 2 - 0.1 * 2 / 2
  EXPECT_NEAR(p.item(), 1.9, 1e-15);
}

TEST(Adagrad, DecayCountsOnlyTheParametersOwnSteps) {
  Tensor a = leaf({0.0}), b = leaf({0.0});
  Adagrad opt({a, b}, {.lr = 1.0, .lr_decay = 1.0, .eps = 0.0});
  give_grad(a, {1.0});
  opt.step();
  opt.step();
  give_grad(b, {1.0});
  opt.step();  // b's first step: clr = 1
  EXPECT_NEAR(b.item(), -1.0, 1e-15);
  // a: steps with clr 1, 1/2, 1/3 and sums 1, 2, 3
  EXPECT_NEAR(a.item(), -(1.0 + 0.5 / std::sqrt(2.0) + 1.0 / 3.0 / std::sqrt(3.0)), 1e-15);
}

TEST(Adagrad, LoadValidatesTheState) {
  Tensor p = leaf({1.0, 2.0});
  Adagrad opt({p});
  give_grad(p, {1.0, 1.0});
  opt.step();
  StateDict s = opt.state_dict();
  s.erase("state.0.0.sum");
  try {
    opt.load_state_dict(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adagrad::load_state_dict: missing key 'state.0.0.sum'"));
  }
  s = opt.state_dict();
  s["group.0.lr_decay"] = from_vector<double>({0.1, 0.2});
  try {
    opt.load_state_dict(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("entry 'group.0.lr_decay' has shape [2]; expected one value"));
  }
}

TEST(Adagrad, BadOptionsAreRefused) {
  Tensor p = leaf({1.0});
  try {
    Adagrad({p}, {.initial_accumulator_value = -1});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adagrad: invalid initial_accumulator_value -1 (must be >= 0)"));
  }
  EXPECT_THROW(Adagrad({p}, {.lr = -1}), Error);
  EXPECT_THROW(Adagrad({p}, {.lr_decay = -1}), Error);
  EXPECT_THROW(Adagrad({p}, {.weight_decay = -1}), Error);
  EXPECT_THROW(Adagrad({p}, {.eps = -1}), Error);
}

}  // namespace
}  // namespace strata::optim
