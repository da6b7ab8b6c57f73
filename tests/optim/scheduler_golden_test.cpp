// Golden tests: every scheduler configuration in scripts/gen_fixtures_optim.py must produce PyTorch's
// learning rates (two parameter groups starting at 0.1 and 0.02) after construction and after every step; and
// a run checkpointed half-way (optimiser + scheduler state dicts) and resumed with fresh objects must
// continue with exactly the same rates.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>

#include "golden_util.h"
#include "strata/optim.h"
#include "strata/strata.h"

namespace strata::optim {
namespace {

constexpr const char* kFile = "optim_scheduler.safetensors";

using Factory = std::function<std::shared_ptr<LRScheduler>(Optimizer&)>;

struct SchedCase {
  std::string name;
  Factory make;
};

void PrintTo(const SchedCase& c, std::ostream* os) { *os << c.name; }

template <typename S, typename... Args>
Factory make(Args... args) {
  return [=](Optimizer& o) { return std::make_shared<S>(o, args...); };
}

std::vector<SchedCase> cases() {
  return {
      {"steplr", make<StepLR>(int64_t{3}, 0.5)},
      {"multisteplr", make<MultiStepLR>(std::vector<int64_t>{9, 2, 5, 5}, 0.3)},
      {"exponentiallr", make<ExponentialLR>(0.8)},
      {"cosine", make<CosineAnnealingLR>(int64_t{10}, 0.001)},
      {"cosine_zero_min", make<CosineAnnealingLR>(int64_t{7})},
      {"onecycle_cos", make<OneCycleLR>(0.5, int64_t{20})},
      {"onecycle_linear",
       make<OneCycleLR>(
           1.0, int64_t{15},
           OneCycleOptions{
               .pct_start = 0.4, .div_factor = 10, .final_div_factor = 100, .cos_anneal = false})},
      {"onecycle_three_phase",
       make<OneCycleLR>(0.3, int64_t{24}, OneCycleOptions{.pct_start = 0.25, .three_phase = true})},
      {"onecycle_three_phase_linear",
       make<OneCycleLR>(0.3, int64_t{17},
                        OneCycleOptions{.pct_start = 0.3, .three_phase = true, .cos_anneal = false})},
      {"warmup", make<LinearWarmup>(int64_t{5}, 0.1)},
      {"warmup_cosine",
       [](Optimizer& o) {
         return std::make_shared<LinearWarmup>(o, 4, 0.25, std::make_shared<CosineAnnealingLR>(o, 10, 0.001));
       }},
      {"warmup_step",
       [](Optimizer& o) {
         return std::make_shared<LinearWarmup>(o, 3, 0.5, std::make_shared<StepLR>(o, 2, 0.5));
       }},
      {"plateau_min", make<ReduceLROnPlateau>(PlateauOptions{
                          .factor = 0.5, .patience = 2, .threshold = 0.01, .cooldown = 1, .min_lr = 0.004})},
      {"plateau_max", make<ReduceLROnPlateau>(PlateauOptions{
                          .mode_max = true, .factor = 0.3, .patience = 0, .threshold = 0.05, .cooldown = 2})},
      {"plateau_default", make<ReduceLROnPlateau>(PlateauOptions{})},
  };
}

const Tensor& stored(const std::string& key) {
  const auto& f = golden::fixture(kFile);
  auto it = f.find(key);
  STRATA_CHECK(it != f.end(), "scheduler golden: the fixture has no tensor '{}'", key);
  return it->second;
}

// The optimiser the fixture used: SGD with groups at lr 0.1 and 0.02.
struct Rig {
  std::vector<Tensor> params{zeros({2}, {.dtype = kFloat64}).requires_grad_(),
                             zeros({3}, {.dtype = kFloat64}).requires_grad_()};
  SGD opt{std::vector<ParamGroup<SGDOptions>>{{{params[0]}, {.lr = 0.1, .momentum = 0.9}},
                                              {{params[1]}, {.lr = 0.02, .momentum = 0.9}}}};
};

std::vector<double> lrs(const Optimizer& opt) { return {opt.lr(0), opt.lr(1)}; }

// Steps once, with the recorded metric for plateau cases.
void step(LRScheduler& s, const std::string& name, int64_t i) {
  if (name.starts_with("plateau"))
    dynamic_cast<ReduceLROnPlateau&>(s).step(stored(name + ".metrics").at({i}));
  else
    s.step();
}

int64_t num_steps(const std::string& name) { return stored(name + ".lr").size(0) - 1; }

class SchedulerGolden : public ::testing::TestWithParam<SchedCase> {};

TEST_P(SchedulerGolden, MatchesPyTorchEveryStep) {
  const SchedCase& c = GetParam();
  Rig rig;
  auto s = c.make(rig.opt);
  const int64_t n = num_steps(c.name);
  std::vector<double> got = lrs(rig.opt);
  EXPECT_EQ(s->get_last_lr(), got);
  for (int64_t i = 0; i < n; ++i) {
    step(*s, c.name, i);
    EXPECT_EQ(s->get_last_lr(), lrs(rig.opt)) << c.name << ": get_last_lr after step " << i + 1;
    EXPECT_EQ(s->last_epoch(), i + 1);
    for (double lr : lrs(rig.opt)) got.push_back(lr);
  }
  EXPECT_TRUE(golden::all_close(from_vector<double>(got, {n + 1, 2}), stored(c.name + ".lr"))) << c.name;
}

TEST_P(SchedulerGolden, ResumesExactlyFromACheckpoint) {
  const SchedCase& c = GetParam();
  const int64_t n = num_steps(c.name), half = n / 2;
  Rig straight;
  auto s = c.make(straight.opt);
  std::vector<std::vector<double>> want;
  for (int64_t i = 0; i < n; ++i) {
    step(*s, c.name, i);
    if (i >= half) want.push_back(lrs(straight.opt));
  }

  Rig first;
  auto s1 = c.make(first.opt);
  for (int64_t i = 0; i < half; ++i) step(*s1, c.name, i);
  const StateDict opt_state = first.opt.state_dict(), sched_state = s1->state_dict();

  Rig resumed;
  auto s2 = c.make(resumed.opt);
  resumed.opt.load_state_dict(opt_state);
  s2->load_state_dict(sched_state);
  EXPECT_EQ(s2->last_epoch(), half);
  for (int64_t i = half; i < n; ++i) {
    step(*s2, c.name, i);
    EXPECT_EQ(lrs(resumed.opt), want[static_cast<size_t>(i - half)]) << c.name << ": after step " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SchedulerGolden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<SchedCase>& info) { return info.param.name; });

TEST(SchedulerGolden, CoversEveryFixtureCase) {
  std::set<std::string> listed;
  for (const auto& c : cases())
    EXPECT_TRUE(listed.insert(c.name).second) << "case '" << c.name << "' listed twice";
  const std::set<std::string> in_file = golden::fixture_cases(kFile);
  for (const auto& name : in_file)
    EXPECT_TRUE(listed.count(name)) << "fixture case '" << name << "' has no test";
  for (const auto& name : listed) EXPECT_TRUE(in_file.count(name)) << "no fixture for case '" << name << "'";
}

}  // namespace
}  // namespace strata::optim
