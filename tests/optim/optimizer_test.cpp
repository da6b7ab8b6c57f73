// What every optimiser shares: parameter checks, zero_grad, learning-rate access, strided parameters, and
// state dicts that refuse another optimiser's state.
#include "strata/optim/optimizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "strata/optim.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

struct Kind {
  std::string name;
  Factory make;
};

std::vector<Kind> kinds() {
  return {
      {"SGD",
       [](std::vector<Tensor> p) {
         return std::make_unique<SGD>(p, SGDOptions{.lr = 0.1, .momentum = 0.9});
       }},
      {"Adam", [](std::vector<Tensor> p) { return std::make_unique<Adam>(p, AdamOptions{.amsgrad = true}); }},
      {"AdamW", [](std::vector<Tensor> p) { return std::make_unique<AdamW>(p); }},
      {"RMSprop",
       [](std::vector<Tensor> p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions{.momentum = 0.5, .centered = true});
       }},
      {"Adagrad",
       [](std::vector<Tensor> p) { return std::make_unique<Adagrad>(p, AdagradOptions{.lr_decay = 0.1}); }},
  };
}

Tensor param(const Shape& shape, uint64_t seed) { return testing::input(shape, seed); }

TEST(Optimizer, EveryKindRefusesBadParameterLists) {
  for (const Kind& k : kinds()) {
    SCOPED_TRACE(k.name);
    try {
      k.make({});
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(k.name + ": got an empty parameter list"));
    }
    Tensor p = param({2}, 1);
    try {
      k.make({p, p});
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("appears more than once"));
    }
    try {
      k.make({p * 2.0});
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("is not a leaf"));
    }
    try {
      k.make({zeros({2}, {.dtype = kInt64})});
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("has dtype i64"));
    }
    EXPECT_THROW(k.make({Tensor()}), Error);
  }
}

TEST(Optimizer, EveryKindSkipsFrozenParametersEvenWithAStaleGradient) {
  // Weight decay would move a parameter with a zero gradient; a frozen one must not move at all, and gets
  // no state (so unfreezing it later starts its moments from scratch).
  for (const Kind& k : kinds()) {
    Tensor frozen = testing::input({3}, 1).detach().requires_grad_();
    Tensor live = testing::input({3}, 2).detach().requires_grad_();
    auto opt = k.make({frozen, live});
    const Tensor frozen_before = frozen.clone(), live_before = live.clone();
    frozen.set_grad(ones({3}, {.dtype = kFloat64}));
    live.set_grad(ones({3}, {.dtype = kFloat64}));
    frozen.requires_grad_(false);
    opt->step();
    EXPECT_TRUE(equal(frozen, frozen_before)) << k.name;
    EXPECT_FALSE(equal(live, live_before)) << k.name;
    for (const auto& [key, value] : opt->state_dict())
      EXPECT_EQ(key.rfind("state.0.0.", 0), std::string::npos) << k.name << ": " << key;
    // Unfrozen, it trains like any other parameter.
    frozen.requires_grad_(true);
    opt->step();
    EXPECT_FALSE(equal(frozen, frozen_before)) << k.name;
  }
}

TEST(Optimizer, ZeroGradDropsEveryGradient) {
  Tensor a = param({2}, 1), b = param({3}, 2);
  SGD opt(std::vector<ParamGroup<SGDOptions>>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.2}}});
  a.set_grad(ones({2}, {.dtype = kFloat64}));
  b.set_grad(ones({3}, {.dtype = kFloat64}));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
}

TEST(Optimizer, LearningRatesPerGroup) {
  Tensor a = param({2}, 1), b = param({3}, 2);
  Adam opt(std::vector<ParamGroup<AdamOptions>>{{{a}, {.lr = 0.1}}, {{b}, {.lr = 0.2}}});
  ASSERT_EQ(opt.num_groups(), 2u);
  EXPECT_DOUBLE_EQ(opt.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.2);
  opt.set_lr(0.5, 1);
  EXPECT_DOUBLE_EQ(opt.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.5);
  opt.set_lr(0.01);
  EXPECT_DOUBLE_EQ(opt.lr(0), 0.01);
  EXPECT_DOUBLE_EQ(opt.lr(1), 0.01);
  try {
    opt.lr(2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adam::lr: parameter group 2 does not exist (the optimiser has 2)"));
  }
  const auto all = opt.parameters();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].is_same(a));
  EXPECT_TRUE(all[1].is_same(b));
}

TEST(Optimizer, EmptyGroupBesideAFullOneIsFine) {
  Tensor a = param({2}, 1);
  SGD opt(std::vector<ParamGroup<SGDOptions>>{{{}, {.lr = 0.1}}, {{a}, {.lr = 0.2}}});
  a.set_grad(ones({2}, {.dtype = kFloat64}));
  opt.step();
  EXPECT_EQ(opt.parameters().size(), 1u);
}

TEST(Optimizer, EveryKindUpdatesStridedParametersLikeContiguousOnes) {
  for (const Kind& k : kinds()) {
    SCOPED_TRACE(k.name);
    Tensor strided = testing::strided_input({4, 3}, 5);
    ASSERT_FALSE(strided.is_contiguous());
    Tensor plain = strided.detach().contiguous().requires_grad_();
    auto a = k.make({strided});
    auto b = k.make({plain});
    for (int i = 0; i < 3; ++i) {
      const Tensor g = testing::transposed_input({4, 3}, 10 + i).detach();
      strided.set_grad(g);
      plain.set_grad(g.contiguous());
      a->step();
      b->step();
    }
    EXPECT_TRUE(equal(strided.detach().contiguous(), plain.detach()));
  }
}

TEST(Optimizer, EveryKindRefusesAnotherKindsState) {
  for (const Kind& from : kinds()) {
    for (const Kind& to : kinds()) {
      if (from.name == to.name) continue;
      SCOPED_TRACE(from.name + " -> " + to.name);
      Tensor p = param({3}, 1), q = param({3}, 1);
      auto a = from.make({p});
      p.set_grad(ones({3}, {.dtype = kFloat64}));
      a->step();
      auto b = to.make({q});
      try {
        b->load_state_dict(a->state_dict());
        FAIL() << "expected an error";
      } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(to.name + "::load_state_dict: "));
      }
    }
  }
}

TEST(Optimizer, EveryKindRefusesStateForOtherParameters) {
  for (const Kind& k : kinds()) {
    SCOPED_TRACE(k.name);
    Tensor p = param({3}, 1);
    auto a = k.make({p});
    p.set_grad(ones({3}, {.dtype = kFloat64}));
    a->step();
    // Same kind, but two parameters instead of one, or one of another shape.
    Tensor q = param({3}, 2), r = param({3}, 3);
    try {
      k.make({q, r})->load_state_dict(a->state_dict());
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("parameter group 0 had 1 parameter(s) when saved, but has 2 here"));
    }
    Tensor s = param({4}, 4);
    try {
      k.make({s})->load_state_dict(a->state_dict());
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("has shape [3]; expected shape [4]"));
    }
  }
}

TEST(Optimizer, StateWithFewerGroupsIsRefused) {
  Tensor p = param({3}, 1);
  SGD one({p}, {.lr = 0.1});
  Tensor t = param({3}, 5), u = param({3}, 6);
  SGD two(std::vector<ParamGroup<SGDOptions>>{{{t}, {}}, {{u}, {}}});
  try {
    two.load_state_dict(one.state_dict());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("SGD::load_state_dict: missing key 'group.1.params'"));
  }
  try {
    one.load_state_dict(two.state_dict());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unexpected key(s) group.1.dampening"));
  }
}

TEST(Optimizer, StatefulKindsRoundTripThroughSafetensorsWithF32Parameters) {
  for (const Kind& k : kinds()) {
    SCOPED_TRACE(k.name);
    const auto run = [](Tensor& p, Optimizer& opt, int from, int to) {
      for (int i = from; i < to; ++i) {
        p.set_grad(testing::input({6}, 50 + i).detach().to(kFloat32));
        opt.step();
      }
    };
    Tensor straight = testing::input({6}, 1).detach().to(kFloat32).requires_grad_();
    auto s = k.make({straight});
    run(straight, *s, 0, 8);
    Tensor half = testing::input({6}, 1).detach().to(kFloat32).requires_grad_();
    auto first = k.make({half});
    run(half, *first, 0, 3);
    const std::string path = ::testing::TempDir() + "strata_optim_" + k.name + ".safetensors";
    io::save_safetensors(path, first->state_dict());
    Tensor resumed = half.detach().clone().requires_grad_();
    auto second = k.make({resumed});
    second->load_state_dict(io::load_safetensors(path));
    run(resumed, *second, 3, 8);
    EXPECT_TRUE(equal(resumed.detach(), straight.detach()));
  }
}

}  // namespace
}  // namespace strata::optim
