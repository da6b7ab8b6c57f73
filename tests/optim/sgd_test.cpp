// SGD: hand-computed steps for each rule, the fused update on strided and large tensors, state dicts, errors.
#include "strata/optim/sgd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_vector<double>(v);
  t.requires_grad_();
  return t;
}

void give_grad(Tensor& p, const std::vector<double>& g) { p.set_grad(from_vector<double>(g, p.shape())); }

void expect_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-14) {
  const auto got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(SGD, PlainStepMovesAgainstTheGradient) {
  Tensor p = leaf({1.0, 2.0});
  SGD opt({p}, {.lr = 0.1});
  give_grad(p, {0.5, -1.0});
  opt.step();
  expect_values(p, {0.95, 2.1});
}

TEST(SGD, WeightDecayAddsTheParameterToTheGradient) {
  Tensor p = leaf({1.0, -2.0});
  SGD opt({p}, {.lr = 0.1, .weight_decay = 0.5});
  give_grad(p, {0.0, 1.0});
  opt.step();
  // d = g + 0.5 p = {0.5, 0}; p - 0.1 d
  expect_values(p, {0.95, -2.0});
}

TEST(SGD, MomentumWithDampening) {
  Tensor p = leaf({0.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.2});
  give_grad(p, {1.0});
  opt.step();  // buf = 1 (the first buffer is the gradient, undamped); p = -0.1
  expect_values(p, {-0.1});
  give_grad(p, {2.0});
  opt.step();  // buf = 0.9 * 1 + 0.8 * 2 = 2.5; p = -0.1 - 0.25
  expect_values(p, {-0.35});
  EXPECT_NEAR(opt.state_dict().at("state.0.0.momentum_buffer").item(), 2.5, 1e-14);
}

TEST(SGD, Nesterov) {
  Tensor p = leaf({0.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.5, .nesterov = true});
  give_grad(p, {1.0});
  opt.step();  // buf = 1; d = 1 + 0.5 * 1 = 1.5; p = -0.15
  expect_values(p, {-0.15});
  give_grad(p, {1.0});
  opt.step();  // buf = 0.5 + 1 = 1.5; d = 1 + 0.75 = 1.75; p = -0.15 - 0.175
  expect_values(p, {-0.325});
}

TEST(SGD, SkipsParametersWithoutGradient) {
  Tensor a = leaf({1.0}), b = leaf({2.0});
  SGD opt({a, b}, {.lr = 0.1, .momentum = 0.9});
  give_grad(a, {1.0});
  const uint64_t version = b.storage().version();
  opt.step();
  expect_values(b, {2.0});
  EXPECT_EQ(b.storage().version(), version);
  const StateDict state = opt.state_dict();
  EXPECT_TRUE(state.count("state.0.0.momentum_buffer"));
  EXPECT_FALSE(state.count("state.0.1.momentum_buffer"));
}

TEST(SGD, StepBumpsTheVersionAndRecordsNothing) {
  Tensor p = leaf({1.0, 2.0});
  SGD opt({p}, {.lr = 0.1});
  give_grad(p, {1.0, 1.0});
  const uint64_t version = p.storage().version();
  opt.step();  // grad mode is on and p requires grad: the step must still run, unrecorded
  EXPECT_GT(p.storage().version(), version);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
}

TEST(SGD, StridedParameterAndGradientMatchTheContiguousUpdate) {
  Tensor strided = testing::transposed_input({3, 4}, 7);
  ASSERT_FALSE(strided.is_contiguous());
  Tensor plain = strided.detach().contiguous().requires_grad_();
  const Tensor grad = testing::transposed_input({3, 4}, 8).detach();  // strided gradient too
  strided.set_grad(grad);
  plain.set_grad(grad.contiguous());
  SGD a({strided}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  SGD b({plain}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  for (int i = 0; i < 3; ++i) {
    a.step();
    b.step();
  }
  EXPECT_TRUE(equal(strided.detach().contiguous(), plain.detach()));
}

TEST(SGD, GradientOfAnotherDtypeIsConverted) {
  Tensor p = leaf({1.0, 2.0});
  p.set_grad(from_vector<float>({0.5f, 0.25f}));
  SGD opt({p}, {.lr = 1.0});
  opt.step();
  expect_values(p, {0.5, 1.75});
}

TEST(SGD, LargeTensorUsesTheSameRule) {
  const int64_t n = 200003;  // above the parallel threshold, odd length for the scalar tail
  Tensor p = testing::input({n}, 3).detach().to(kFloat32).requires_grad_();
  const Tensor g = testing::input({n}, 4).detach().to(kFloat32);
  const auto p0 = p.to_vector<float>(), gv = g.to_vector<float>();
  p.set_grad(g);
  SGD opt({p}, {.lr = 0.01, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true});
  opt.step();
  const auto p1 = p.to_vector<float>();
  for (int64_t i = 0; i < n; i += 997) {
    const float d = gv[i] + 0.1f * p0[i];
    const float want = p0[i] - 0.01f * (d + 0.9f * d);
    EXPECT_NEAR(p1[i], want, 1e-6f) << i;
  }
}

TEST(SGD, StateDictNamesAndTypes) {
  Tensor p = leaf({1.0, 2.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  give_grad(p, {1.0, 1.0});
  opt.step();
  const StateDict s = opt.state_dict();
  EXPECT_EQ(s.size(), 7u);
  EXPECT_EQ(s.at("group.0.params").item(), 1.0);
  EXPECT_EQ(s.at("group.0.lr").dtype(), kFloat64);
  EXPECT_EQ(s.at("group.0.lr").dim(), 0);
  EXPECT_DOUBLE_EQ(s.at("group.0.lr").item(), 0.1);
  EXPECT_DOUBLE_EQ(s.at("group.0.momentum").item(), 0.9);
  EXPECT_DOUBLE_EQ(s.at("group.0.dampening").item(), 0.0);
  EXPECT_DOUBLE_EQ(s.at("group.0.weight_decay").item(), 0.0);
  EXPECT_EQ(s.at("group.0.nesterov").dtype(), kInt64);
  EXPECT_EQ(s.at("group.0.nesterov").item(), 1.0);
  EXPECT_EQ(s.at("state.0.0.momentum_buffer").shape(), p.shape());
}

TEST(SGD, StateDictIsASnapshot) {
  Tensor p = leaf({1.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  give_grad(p, {1.0});
  opt.step();
  const StateDict saved = opt.state_dict();
  opt.step();
  EXPECT_DOUBLE_EQ(saved.at("state.0.0.momentum_buffer").item(), 1.0);
}

TEST(SGD, RoundTripContinuesBitIdentically) {
  const auto run = [](Tensor& p, SGD& opt, int from, int to) {
    for (int i = from; i < to; ++i) {
      p.set_grad(testing::input({4, 5}, 100 + i).detach());
      opt.step();
    }
  };
  const SGDOptions o{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01};
  Tensor straight = testing::input({4, 5}, 1);
  SGD s({straight}, o);
  run(straight, s, 0, 10);

  Tensor half = testing::input({4, 5}, 1);
  SGD first({half}, o);
  run(half, first, 0, 5);
  Tensor resumed = half.detach().clone().requires_grad_();
  SGD second({resumed}, {.lr = 1.0});  // options come from the state dict
  second.load_state_dict(first.state_dict());
  EXPECT_DOUBLE_EQ(second.lr(), 0.05);
  run(resumed, second, 5, 10);
  EXPECT_TRUE(equal(resumed.detach(), straight.detach()));
}

TEST(SGD, LoadIsValidatedAndAtomic) {
  Tensor p = leaf({1.0, 2.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  give_grad(p, {1.0, 1.0});
  opt.step();
  const StateDict good = opt.state_dict();

  StateDict missing = good;
  missing.erase("group.0.momentum");
  try {
    opt.load_state_dict(missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("SGD::load_state_dict: missing key 'group.0.momentum'"));
  }

  StateDict misshaped = good;
  misshaped["state.0.0.momentum_buffer"] = zeros({3}, {.dtype = kFloat64});
  try {
    opt.load_state_dict(misshaped);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'state.0.0.momentum_buffer' has shape [3]; expected shape [2]"));
  }

  StateDict extra = good;
  extra["state.0.7.momentum_buffer"] = zeros({2}, {.dtype = kFloat64});
  EXPECT_THROW(
      {
        try {
          opt.load_state_dict(extra);
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("unexpected key(s) state.0.7.momentum_buffer"));
          throw;
        }
      },
      Error);

  StateDict bad_lr = good;
  bad_lr["group.0.lr"] = scalar_tensor(-1.0, {.dtype = kFloat64});
  EXPECT_THROW(opt.load_state_dict(bad_lr), Error);

  // Nothing of the failed loads stuck.
  EXPECT_DOUBLE_EQ(opt.lr(), 0.1);
  EXPECT_TRUE(equal(opt.state_dict().at("state.0.0.momentum_buffer"), good.at("state.0.0.momentum_buffer")));
}

TEST(SGD, LoadedStateDoesNotAliasTheDict) {
  Tensor p = leaf({1.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  give_grad(p, {1.0});
  opt.step();
  StateDict s = opt.state_dict();
  opt.load_state_dict(s);
  opt.step();
  EXPECT_DOUBLE_EQ(s.at("state.0.0.momentum_buffer").item(), 1.0);
}

TEST(SGD, BadOptionsAreRefused) {
  Tensor p = leaf({1.0});
  try {
    SGD({p}, {.lr = -0.1});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("SGD: invalid lr -0.1 (must be >= 0)"));
  }
  EXPECT_THROW(SGD({p}, {.lr = 0.1, .momentum = -0.5}), Error);
  EXPECT_THROW(SGD({p}, {.lr = 0.1, .weight_decay = -1}), Error);
  try {
    SGD({p}, {.lr = 0.1, .nesterov = true});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("nesterov momentum needs momentum > 0 and dampening 0"));
  }
  EXPECT_THROW(SGD({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}), Error);
  SGD opt({p}, {.lr = 0.1});
  EXPECT_THROW(opt.set_lr(-1.0), Error);
  EXPECT_THROW(opt.lr(1), Error);
}

}  // namespace
}  // namespace strata::optim
