// Optimisers and schedulers by name: each registered one takes the same steps as the class built directly,
// defaults equal the options structs', groups keep their own rates, and bad names, kinds and ranges are
// errors naming the option.
#include "strata/optim/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/optim.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata::optim {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_vector<double>(v);
  t.requires_grad_();
  return t;
}

// Three steps on f(p) = sum(p^3) / 3 from the same start; returns where the parameter ends.
std::vector<double> run(Optimizer& opt, Tensor& p) {
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    (p * p * p).sum().backward();
    opt.step();
  }
  return p.to_vector<double>();
}

TEST(OptimizerRegistry, EachNameStepsLikeItsClass) {
  const std::vector<double> start{0.5, -1.5, 2.0};
  struct Case {
    std::string name;
    nn::ArgMap options;
    std::function<std::unique_ptr<Optimizer>(Tensor)> direct;
  };
  const std::vector<Case> cases{
      {"sgd",
       {{"lr", 0.1}, {"momentum", 0.9}, {"nesterov", true}, {"weight_decay", 0.01}},
       [](Tensor p) {
         return std::make_unique<SGD>(
             std::vector<Tensor>{p},
             SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
       }},
      {"adam",
       {{"lr", 0.05}, {"betas", nn::ArgValue::list({"0.8", "0.99"})}, {"amsgrad", true}},
       [](Tensor p) {
         return std::make_unique<Adam>(std::vector<Tensor>{p},
                                       AdamOptions{.lr = 0.05, .betas = {0.8, 0.99}, .amsgrad = true});
       }},
      {"adamw",
       {{"lr", 0.05}},
       [](Tensor p) {
         return std::make_unique<AdamW>(std::vector<Tensor>{p},
                                        AdamOptions{.lr = 0.05, .weight_decay = 1e-2});
       }},
      {"rmsprop",
       {{"lr", 0.01}, {"centered", true}, {"momentum", 0.5}},
       [](Tensor p) {
         return std::make_unique<RMSprop>(std::vector<Tensor>{p},
                                          RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
       }},
      {"adagrad",
       {{"lr", 0.1}, {"lr_decay", 0.01}},
       [](Tensor p) {
         return std::make_unique<Adagrad>(std::vector<Tensor>{p},
                                          AdagradOptions{.lr = 0.1, .lr_decay = 0.01});
       }},
  };
  std::vector<std::string> names;
  for (const auto& t : optimizer_types()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sgd", "adam", "adamw", "rmsprop", "adagrad"}));
  for (const Case& c : cases) {
    Tensor a = leaf(start), b = leaf(start);
    auto by_name = create_optimizer(c.name, {{.params = {a}}}, c.options);
    auto direct = c.direct(b);
    const std::vector<double> got = run(*by_name, a), want = run(*direct, b);
    EXPECT_EQ(got, want) << c.name;
    EXPECT_NE(got, start) << c.name;
  }
}

TEST(OptimizerRegistry, DefaultsAreTheOptionStructs) {
  nn::ArgMap none;
  auto lr_of = [&](const std::string& name) {
    Tensor p = leaf({1.0});
    return create_optimizer(name, {{.params = {p}}}, none)->lr(0);
  };
  EXPECT_EQ(lr_of("sgd"), SGDOptions{}.lr);
  EXPECT_EQ(lr_of("adam"), AdamOptions{}.lr);
  EXPECT_EQ(lr_of("rmsprop"), RMSpropOptions{}.lr);
  EXPECT_EQ(lr_of("adagrad"), AdagradOptions{}.lr);
  const nn::LayerArgs adamw("adamw", optimizer_type("adamw").options, {}, {}, {}, "optimizer");
  EXPECT_EQ(adamw.number("weight_decay"), 1e-2);  // PyTorch's AdamW default
  EXPECT_EQ(adamw.numbers("betas"), (std::vector<double>{0.9, 0.999}));
}

TEST(OptimizerRegistry, GroupsKeepTheirRates) {
  Tensor a = leaf({1.0}), b = leaf({1.0});
  auto opt = create_optimizer("sgd", {{.params = {a}, .lr = 0.5}, {.params = {b}}}, {{"lr", 0.1}});
  ASSERT_EQ(opt->num_groups(), 2u);
  EXPECT_EQ(opt->lr(0), 0.5);
  EXPECT_EQ(opt->lr(1), 0.1);
}

TEST(OptimizerRegistry, ErrorsNameTheOption) {
  Tensor p = leaf({1.0});
  auto make = [&](const std::string& name, const nn::ArgMap& options) {
    return error_of([&] { create_optimizer(name, {{.params = {p}}}, options); });
  };
  EXPECT_THAT(make("adamm", {}), HasSubstr("unknown optimizer 'adamm' (did you mean 'adam'?)"));
  EXPECT_THAT(make("sgd", {{"momentun", 0.9}}),
              HasSubstr("optimizer 'sgd' has no argument 'momentun' (did you mean 'momentum'?)"));
  EXPECT_THAT(make("sgd", {{"momentum", "fast"}}),
              HasSubstr("optimizer 'sgd' argument 'momentum' must be a number, got 'fast'"));
  EXPECT_THAT(make("sgd", {{"momentum", -1.0}}), HasSubstr("optimizer 'sgd': SGD: invalid momentum -1"));
  EXPECT_THAT(make("adam", {{"betas", nn::ArgValue::list({"0.9"})}}),
              HasSubstr("argument 'betas' must be two numbers"));
  EXPECT_THAT(make("adam", {{"betas", nn::ArgValue::list({"0.9", "1.5"})}}),
              HasSubstr("'betas' must hold numbers in [0, 1)"));
  EXPECT_THAT(make("sgd", {{"nesterov", true}}), HasSubstr("nesterov momentum needs momentum > 0"));
}

// The rates a scheduler sets over `steps` steps.
std::vector<double> trajectory(LRScheduler& s, Optimizer& opt, int steps) {
  std::vector<double> lrs;
  for (int i = 0; i < steps; ++i) {
    s.step();
    lrs.push_back(opt.lr(0));
  }
  return lrs;
}

TEST(SchedulerRegistry, EachNameSchedulesLikeItsClass) {
  Tensor p = leaf({1.0}), q = leaf({1.0});
  SGD a({p}, {.lr = 0.1}), b({q}, {.lr = 0.1});
  auto expect_same = [&](const std::string& name, const nn::ArgMap& options, LRScheduler& direct, int total) {
    auto by_name = create_scheduler(name, a, {.total_steps = total}, options);
    EXPECT_EQ(trajectory(*by_name, a, total), trajectory(direct, b, total)) << name;
  };
  {
    StepLR direct(b, 2, 0.5);
    expect_same("step", {{"step_size", 2}, {"gamma", 0.5}}, direct, 6);
  }
  {
    MultiStepLR direct(b, {1, 3}, 0.2);
    expect_same("multistep", {{"milestones", nn::ArgValue({1, 3})}, {"gamma", 0.2}}, direct, 5);
  }
  {
    ExponentialLR direct(b, 0.9);
    expect_same("exponential", {{"gamma", 0.9}}, direct, 4);
  }
  {
    CosineAnnealingLR direct(b, 10, 0.001);
    expect_same("cosine", {{"eta_min", 0.001}}, direct, 10);
  }
  {
    OneCycleLR direct(b, 0.5, 20, {.pct_start = 0.25, .cos_anneal = false});
    expect_same("onecycle", {{"max_lr", 0.5}, {"pct_start", 0.25}, {"anneal", "linear"}}, direct, 20);
  }
  std::vector<std::string> names;
  for (const auto& t : scheduler_types()) names.push_back(t.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"step", "multistep", "exponential", "cosine", "onecycle", "plateau"}));
  EXPECT_TRUE(scheduler_type("onecycle").per_batch);
  EXPECT_TRUE(scheduler_type("plateau").needs_metric);
  EXPECT_FALSE(scheduler_type("step").per_batch);
}

TEST(SchedulerRegistry, PlateauCutsTheRateWhenTheMetricStalls) {
  Tensor p = leaf({1.0});
  SGD opt({p}, {.lr = 1.0});
  auto s = create_scheduler("plateau", opt, {}, {{"mode", "max"}, {"patience", 1}, {"factor", 0.5}});
  auto* plateau = dynamic_cast<ReduceLROnPlateau*>(s.get());
  ASSERT_NE(plateau, nullptr);
  for (double metric : {0.5, 0.6, 0.6, 0.6}) plateau->step(metric);  // improves, then stalls twice
  EXPECT_EQ(opt.lr(0), 0.5);
}

TEST(SchedulerRegistry, ErrorsNameTheOption) {
  Tensor p = leaf({1.0});
  SGD opt({p}, {.lr = 0.1});
  auto make = [&](const std::string& name, const nn::ArgMap& options, int64_t total = 10) {
    return error_of([&] { create_scheduler(name, opt, {.total_steps = total}, options); });
  };
  EXPECT_THAT(make("cosin", {}), HasSubstr("unknown scheduler 'cosin' (did you mean 'cosine'?)"));
  EXPECT_THAT(make("exponential", {}), HasSubstr("scheduler 'exponential' needs argument 'gamma'"));
  EXPECT_THAT(make("multistep", {{"milestones", nn::ArgValue({3, 2})}}),
              HasSubstr("argument 'milestones' must be increasing positive epochs"));
  EXPECT_THAT(make("onecycle", {{"pct_start", 1.5}}), HasSubstr("argument 'pct_start' must be in (0, 1)"));
  EXPECT_THAT(make("onecycle", {}, 0), HasSubstr("needs the run's total number of steps"));
  EXPECT_THAT(make("plateau", {{"mode", "up"}}),
              HasSubstr("argument 'mode' must be 'min' or 'max', got 'up'"));
  EXPECT_THAT(make("step", {{"gamma", -1.0}}), HasSubstr("scheduler 'step': StepLR: gamma -1 must be >= 0"));
}

}  // namespace
}  // namespace strata::optim
