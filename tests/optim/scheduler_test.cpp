// Learning-rate schedulers: hand-computed schedules, per-group base rates, warm-up hand-over, plateau logic,
// state dicts and errors.
#include "strata/optim/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "strata/optim/sgd.h"
#include "strata/strata.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

// An SGD with two groups at lr 0.1 and 0.02 (no parameter ever gets a gradient).
struct Rig {
  std::vector<Tensor> params{zeros({2}).requires_grad_(), zeros({3}).requires_grad_()};
  SGD opt{std::vector<ParamGroup<SGDOptions>>{{{params[0]}, {.lr = 0.1}}, {{params[1]}, {.lr = 0.02}}}};
};

// lr of group 0 after construction and after each of `steps` steps.
std::vector<double> trace(LRScheduler& s, const Optimizer& opt, int steps) {
  std::vector<double> out{opt.lr(0)};
  for (int i = 0; i < steps; ++i) {
    s.step();
    out.push_back(opt.lr(0));
  }
  return out;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-15) << "step " << i;
}

TEST(StepLR, DecaysEveryStepSizeSteps) {
  Rig r;
  StepLR s(r.opt, 2, 0.5);
  expect_near(trace(s, r.opt, 5), {0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
  EXPECT_NEAR(r.opt.lr(1), 0.02 * 0.25, 1e-15);  // each group scales its own base rate
  EXPECT_EQ(s.last_epoch(), 5);
  EXPECT_EQ(s.get_last_lr(), (std::vector<double>{r.opt.lr(0), r.opt.lr(1)}));
}

TEST(MultiStepLR, RepeatedMilestonesApplyGammaTwice) {
  Rig r;
  MultiStepLR s(r.opt, {3, 1, 3}, 0.1);
  expect_near(trace(s, r.opt, 4), {0.1, 0.01, 0.01, 0.0001, 0.0001});
}

TEST(ExponentialLR, MultipliesEveryStep) {
  Rig r;
  ExponentialLR s(r.opt, 0.5);
  expect_near(trace(s, r.opt, 3), {0.1, 0.05, 0.025, 0.0125});
}

TEST(CosineAnnealingLR, ClosedForm) {
  Rig r;
  CosineAnnealingLR s(r.opt, 4, 0.01);
  const auto got = trace(s, r.opt, 8);
  const auto at = [](int t) { return 0.01 + 0.09 * (1 + std::cos(std::numbers::pi * t / 4)) / 2; };
  for (int t = 0; t <= 8; ++t) EXPECT_NEAR(got[t], at(t), 1e-15) << t;
  EXPECT_NEAR(got[2], 0.055, 1e-15);
  EXPECT_NEAR(got[4], 0.01, 1e-15);  // the minimum at t_max, then back up
  EXPECT_NEAR(got[8], 0.1, 1e-15);
}

TEST(OneCycleLR, WarmsUpToMaxThenAnnealsToTheFloor) {
  Rig r;
  OneCycleLR s(r.opt, 1.0, 10,
               {.pct_start = 0.3, .div_factor = 10, .final_div_factor = 100, .cos_anneal = false});
  const auto got = trace(s, r.opt, 10);
  // Phase one ends at step 0.3 * 10 - 1 = 2, phase two at 9.
  expect_near(std::vector<double>(got.begin(), got.begin() + 4), {0.1, 0.55, 1.0, 1.0 - 0.999 / 7});
  EXPECT_NEAR(got[9], 0.001, 1e-15);
  EXPECT_NEAR(got[10], 0.001, 1e-15);   // the step after the last batch holds the floor
  EXPECT_EQ(r.opt.lr(1), r.opt.lr(0));  // one max_lr for every group
  try {
    s.step();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("OneCycleLR: stepped 11 times, but total_steps is 10"));
  }
  EXPECT_EQ(s.last_epoch(), 10);
}

TEST(OneCycleLR, ThreePhases) {
  Rig r;
  OneCycleLR s(r.opt, 1.0, 10,
               {.pct_start = 0.3, .div_factor = 10, .final_div_factor = 100, .three_phase = true});
  const auto got = trace(s, r.opt, 9);
  // Ends of phases: 2 (peak), 4 (back at the initial rate), 9 (floor).
  EXPECT_NEAR(got[2], 1.0, 1e-15);
  EXPECT_NEAR(got[4], 0.1, 1e-15);
  EXPECT_NEAR(got[3], 0.55, 1e-15);  // cosine midpoint
  EXPECT_NEAR(got[9], 0.001, 1e-15);
}

TEST(LinearWarmup, RampsThenStaysAtTheBase) {
  Rig r;
  LinearWarmup s(r.opt, 4, 0.2);
  expect_near(trace(s, r.opt, 6), {0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1});
}

TEST(LinearWarmup, HandsOverToTheNextSchedulerWhichCountsFromTheEnd) {
  Rig r;
  auto after = std::make_shared<StepLR>(r.opt, 2, 0.5);
  LinearWarmup s(r.opt, 2, 0.5, after);
  expect_near(trace(s, r.opt, 6), {0.05, 0.075, 0.1, 0.1, 0.05, 0.05, 0.025});
  EXPECT_EQ(s.last_epoch(), 6);
  EXPECT_EQ(after->last_epoch(), 4);
  EXPECT_EQ(s.get_last_lr(), after->get_last_lr());
}

TEST(LinearWarmup, BadArgumentsAreRefused) {
  Rig r, other;
  EXPECT_THROW(LinearWarmup(r.opt, 0), Error);
  EXPECT_THROW(LinearWarmup(r.opt, 3, 0.0), Error);
  EXPECT_THROW(LinearWarmup(r.opt, 3, 1.5), Error);
  try {
    LinearWarmup(r.opt, 3, 0.1, std::make_shared<StepLR>(other.opt, 2));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("LinearWarmup: the `after` scheduler drives a different optimiser"));
  }
  auto stepped = std::make_shared<ExponentialLR>(r.opt, 0.9);
  stepped->step();
  EXPECT_THROW(LinearWarmup(r.opt, 3, 0.1, stepped), Error);
  EXPECT_THROW(LinearWarmup(r.opt, 3, 0.1, std::make_shared<ReduceLROnPlateau>(r.opt)), Error);
}

TEST(ReduceLROnPlateau, CutsAfterPatienceThenCoolsDown) {
  Rig r;
  ReduceLROnPlateau s(r.opt,
                      {.factor = 0.5, .patience = 1, .threshold = 0.1, .cooldown = 1, .min_lr = 0.015});
  const std::vector<double> metrics(8, 0.95);
  std::vector<double> lr0, lr1;
  s.step(1.0);
  lr0.push_back(r.opt.lr(0));
  lr1.push_back(r.opt.lr(1));
  for (size_t i = 1; i < metrics.size(); ++i) {
    s.step(metrics[i]);
    lr0.push_back(r.opt.lr(0));
    lr1.push_back(r.opt.lr(1));
  }
  // 0.95 is not 10% better than 1.0: bad epochs 1, 2 -> cut at the third step; the cooldown swallows the
  // fourth step's bad epoch, so the next cut comes at the sixth step (without cooldown: the fifth).
  expect_near(lr0, {0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025});
  expect_near(lr1, {0.02, 0.02, 0.015, 0.015, 0.015, 0.015, 0.015, 0.015});  // floored at min_lr
  EXPECT_EQ(s.get_last_lr(), (std::vector<double>{r.opt.lr(0), r.opt.lr(1)}));
}

TEST(ReduceLROnPlateau, MaxMode) {
  Rig r;
  ReduceLROnPlateau s(r.opt, {.mode_max = true, .factor = 0.1, .patience = 0});
  s.step(0.5);
  s.step(0.6);
  EXPECT_NEAR(r.opt.lr(0), 0.1, 1e-15);
  s.step(0.6);
  EXPECT_NEAR(r.opt.lr(0), 0.01, 1e-15);
}

TEST(ReduceLROnPlateau, NeedsAMetricAndSaneOptions) {
  Rig r;
  ReduceLROnPlateau s(r.opt);
  try {
    s.step();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("ReduceLROnPlateau::step: needs the monitored metric; call step(metric)"));
  }
  LRScheduler& base = s;
  EXPECT_THROW(base.step(), Error);
  EXPECT_THROW(ReduceLROnPlateau(r.opt, {.factor = 1.0}), Error);
  EXPECT_THROW(ReduceLROnPlateau(r.opt, {.patience = -1}), Error);
  EXPECT_THROW(ReduceLROnPlateau(r.opt, {.cooldown = -1}), Error);
  EXPECT_THROW(ReduceLROnPlateau(r.opt, {.min_lr = -1}), Error);
}

TEST(Schedulers, BadArgumentsAreRefused) {
  Rig r;
  try {
    StepLR(r.opt, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("StepLR: step_size 0 must be >= 1"));
  }
  EXPECT_THROW(StepLR(r.opt, 2, -0.1), Error);
  EXPECT_THROW(MultiStepLR(r.opt, {1}, -1), Error);
  EXPECT_THROW(ExponentialLR(r.opt, -0.5), Error);
  EXPECT_THROW(CosineAnnealingLR(r.opt, 0), Error);
  EXPECT_THROW(CosineAnnealingLR(r.opt, 5, -1), Error);
  EXPECT_THROW(OneCycleLR(r.opt, 0.1, 0), Error);
  EXPECT_THROW(OneCycleLR(r.opt, 0.1, 10, {.pct_start = 1.5}), Error);
  EXPECT_THROW(OneCycleLR(r.opt, 0.1, 10, {.div_factor = 0}), Error);
}

TEST(Schedulers, StateDictNamesAndValidation) {
  Rig r;
  StepLR s(r.opt, 2, 0.5);
  s.step();
  s.step();
  const StateDict state = s.state_dict();
  EXPECT_EQ(state.size(), 3u);
  EXPECT_EQ(state.at("last_epoch").dtype(), kInt64);
  EXPECT_EQ(state.at("last_epoch").item(), 2.0);
  EXPECT_EQ(state.at("base_lrs").to_vector<double>(), (std::vector<double>{0.1, 0.02}));
  EXPECT_EQ(state.at("last_lr").to_vector<double>(), (std::vector<double>{0.05, 0.01}));

  Rig fresh;
  StepLR t(fresh.opt, 2, 0.5);
  t.load_state_dict(state);
  EXPECT_EQ(t.last_epoch(), 2);
  EXPECT_DOUBLE_EQ(fresh.opt.lr(0), 0.05);  // loading puts the saved rates back into the optimiser
  t.step();
  t.step();
  EXPECT_DOUBLE_EQ(fresh.opt.lr(0), 0.025);

  StateDict missing = state;
  missing.erase("last_epoch");
  try {
    t.load_state_dict(missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("LRScheduler::load_state_dict: missing key 'last_epoch'"));
  }
  StateDict wrong = state;
  wrong["base_lrs"] = from_vector<double>({0.1, 0.2, 0.3});
  try {
    t.load_state_dict(wrong);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'base_lrs' has shape [3]; expected shape [2]"));
  }
  StateDict extra = state;
  extra["best"] = scalar_tensor(1.0, {.dtype = kFloat64});
  EXPECT_THROW(t.load_state_dict(extra), Error);
  EXPECT_EQ(t.last_epoch(), 4);  // failed loads change nothing
}

TEST(Schedulers, WarmupAndPlateauStateRoundTrip) {
  Rig r;
  auto s = std::make_shared<LinearWarmup>(r.opt, 2, 0.5, std::make_shared<ExponentialLR>(r.opt, 0.5));
  for (int i = 0; i < 4; ++i) s->step();
  const StateDict state = s->state_dict();
  EXPECT_TRUE(state.count("after.last_epoch"));
  Rig fresh;
  auto t = std::make_shared<LinearWarmup>(fresh.opt, 2, 0.5, std::make_shared<ExponentialLR>(fresh.opt, 0.5));
  t->load_state_dict(state);
  s->step();
  t->step();
  EXPECT_EQ(fresh.opt.lr(0), r.opt.lr(0));
  EXPECT_NEAR(fresh.opt.lr(0), 0.1 * 0.125, 1e-15);
  StateDict broken = state;
  broken.erase("last_lr");
  const double lr_before = fresh.opt.lr(0);
  EXPECT_THROW(t->load_state_dict(broken), Error);
  EXPECT_EQ(fresh.opt.lr(0), lr_before);  // the failed load left the rates alone
  EXPECT_EQ(t->last_epoch(), 5);
  t->step();
  s->step();
  EXPECT_EQ(fresh.opt.lr(0), r.opt.lr(0));  // ... and the `after` scheduler's step count
  Rig bare;
  LinearWarmup alone(bare.opt, 2, 0.5);
  try {
    alone.load_state_dict(state);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("LinearWarmup::load_state_dict: the state dict holds an `after` scheduler"));
  }

  ReduceLROnPlateau p(r.opt, {.patience = 1});
  p.step(1.0);
  p.step(2.0);
  const StateDict ps = p.state_dict();
  EXPECT_EQ(ps.at("best").item(), 1.0);
  EXPECT_EQ(ps.at("bad_epochs").item(), 1.0);
  EXPECT_EQ(ps.at("cooldown_left").item(), 0.0);
  ReduceLROnPlateau q(fresh.opt, {.patience = 1});
  q.load_state_dict(ps);
  q.step(2.0);  // the second bad epoch in a row: cut
  EXPECT_NEAR(fresh.opt.lr(0), r.opt.lr(0) * 0.1, 1e-15);
  StateDict bad = ps;
  bad.erase("best");
  EXPECT_THROW(q.load_state_dict(bad), Error);
}

}  // namespace
}  // namespace strata::optim
