// Golden tests: ten steps of every optimiser configuration in scripts/gen_fixtures_optim.py, on the same
// parameters and gradients PyTorch saw, must give PyTorch's parameters after every step; and a run that is
// checkpointed half-way (state dict through a safetensors file) and resumed in a fresh optimiser must end
// bit-identical to the straight run.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include "golden_util.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "temp_path.h"

namespace strata::optim {
namespace {

constexpr const char* kFile = "optim.safetensors";
constexpr int64_t kSteps = 10;
const std::set<int64_t> kSkipSteps = {2, 5};  // p1 has no gradient at these steps in `_skip` cases

using Factory = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

struct OptimCase {
  std::string name;
  Factory make;
};

void PrintTo(const OptimCase& c, std::ostream* os) { *os << c.name; }

template <typename Opt, typename Options>
Factory one_group(Options o) {
  return [o](const std::vector<Tensor>& p) { return std::make_unique<Opt>(p, o); };
}

template <typename Opt>
Factory defaults() {
  return [](const std::vector<Tensor>& p) { return std::make_unique<Opt>(p); };
}

// p0 in a group with options a, p1 in a group with options b.
template <typename Opt, typename Options>
Factory two_groups(Options a, Options b) {
  return [a, b](const std::vector<Tensor>& p) {
    return std::make_unique<Opt>(std::vector<ParamGroup<Options>>{{{p[0]}, a}, {{p[1]}, b}});
  };
}

std::vector<OptimCase> cases() {
  using S = SGDOptions;
  using A = AdamOptions;
  using R = RMSpropOptions;
  using G = AdagradOptions;
  return {
      {"sgd_plain", one_group<SGD>(S{.lr = 0.1})},
      {"sgd_momentum", one_group<SGD>(S{.lr = 0.1, .momentum = 0.9})},
      {"sgd_dampening_wd",
       one_group<SGD>(S{.lr = 0.05, .momentum = 0.9, .dampening = 0.3, .weight_decay = 0.01})},
      {"sgd_nesterov_wd",
       one_group<SGD>(S{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.05, .nesterov = true})},
      {"sgd_groups",
       two_groups<SGD>(S{.lr = 0.1, .momentum = 0.9}, S{.lr = 0.01, .momentum = 0.5, .weight_decay = 0.1})},
      {"sgd_momentum_skip", one_group<SGD>(S{.lr = 0.1, .momentum = 0.9})},
      {"sgd_nesterov_f32",
       one_group<SGD>(S{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.05, .nesterov = true})},
      {"adam_default", defaults<Adam>()},
      {"adam_lr", one_group<Adam>(A{.lr = 0.05})},
      {"adam_amsgrad", one_group<Adam>(A{.lr = 0.05, .betas = {0.8, 0.95}, .amsgrad = true})},
      {"adam_l2", one_group<Adam>(A{.lr = 0.05, .weight_decay = 0.1})},
      {"adam_groups", two_groups<Adam>(A{.lr = 0.05}, A{.lr = 0.01, .betas = {0.5, 0.9}, .amsgrad = true})},
      {"adam_skip", one_group<Adam>(A{.lr = 0.05, .amsgrad = true})},
      {"adam_f32", one_group<Adam>(A{.lr = 0.05, .weight_decay = 0.1})},
      {"adamw_default", defaults<AdamW>()},
      {"adamw_wd", one_group<AdamW>(A{.lr = 0.05, .weight_decay = 0.1})},
      {"adamw_amsgrad", one_group<AdamW>(A{.lr = 0.05, .eps = 1e-6, .weight_decay = 0.01, .amsgrad = true})},
      {"adamw_groups",
       two_groups<AdamW>(A{.lr = 0.05, .weight_decay = 0.2}, A{.lr = 0.02, .weight_decay = 0.0})},
      {"rmsprop_default", defaults<RMSprop>()},
      {"rmsprop_centered", one_group<RMSprop>(R{.lr = 0.01, .alpha = 0.9, .centered = true})},
      {"rmsprop_momentum_wd", one_group<RMSprop>(R{.lr = 0.01, .weight_decay = 0.05, .momentum = 0.9})},
      {"rmsprop_centered_momentum",
       one_group<RMSprop>(R{.lr = 0.02, .eps = 1e-4, .momentum = 0.5, .centered = true})},
      {"rmsprop_groups",
       two_groups<RMSprop>(R{.lr = 0.01, .centered = true}, R{.lr = 0.05, .momentum = 0.8})},
      {"rmsprop_skip", one_group<RMSprop>(R{.lr = 0.01, .momentum = 0.9, .centered = true})},
      {"rmsprop_f32", one_group<RMSprop>(R{.lr = 0.01, .momentum = 0.5, .centered = true})},
      {"adagrad_default", defaults<Adagrad>()},
      {"adagrad_decay",
       one_group<Adagrad>(
           G{.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1, .initial_accumulator_value = 0.5})},
      {"adagrad_groups", two_groups<Adagrad>(G{.lr = 0.1, .lr_decay = 0.01}, G{.lr = 0.3, .eps = 1e-3})},
      {"adagrad_skip", one_group<Adagrad>(G{.lr = 0.1, .lr_decay = 0.1})},
      {"adagrad_f32", one_group<Adagrad>(G{.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1})},
  };
}

const Tensor& stored(const std::string& key) {
  const auto& f = golden::fixture(kFile);
  auto it = f.find(key);
  STRATA_CHECK(it != f.end(), "optimizer golden: the fixture has no tensor '{}'", key);
  return it->second;
}

Dtype dtype_of(const std::string& name) { return name.ends_with("_f32") ? kFloat32 : kFloat64; }

// Fresh leaves with the fixture's starting values.
std::vector<Tensor> fresh_params(Dtype dtype) {
  return {stored("init.p0").to(dtype).clone().requires_grad_(),
          stored("init.p1").to(dtype).clone().requires_grad_()};
}

// Sets the gradients PyTorch saw before step `step`.
void feed(std::vector<Tensor>& params, int64_t step, const std::string& name) {
  const Dtype dtype = dtype_of(name);
  params[0].set_grad(stored("grads.p0").select(0, step).to(dtype).clone());
  if (name.ends_with("_skip") && kSkipSteps.count(step))
    params[1].zero_grad();
  else
    params[1].set_grad(stored("grads.p1").select(0, step).to(dtype).clone());
}

void run_steps(Optimizer& opt, std::vector<Tensor>& params, int64_t begin, int64_t end,
               const std::string& name) {
  for (int64_t step = begin; step < end; ++step) {
    feed(params, step, name);
    opt.step();
  }
}

class OptimizerGolden : public ::testing::TestWithParam<OptimCase> {};

TEST_P(OptimizerGolden, MatchesPyTorchEveryStep) {
  const OptimCase& c = GetParam();
  std::vector<Tensor> params = fresh_params(dtype_of(c.name));
  auto opt = c.make(params);
  for (int64_t step = 0; step < kSteps; ++step) {
    run_steps(*opt, params, step, step + 1, c.name);
    for (size_t k = 0; k < params.size(); ++k) {
      const std::string key = fmt::format("{}.p{}", c.name, k);
      EXPECT_TRUE(golden::all_close(params[k].detach(), stored(key).select(0, step)))
          << c.name << ": parameter p" << k << " after step " << step + 1;
    }
  }
}

TEST_P(OptimizerGolden, ResumesBitExactlyFromACheckpoint) {
  const OptimCase& c = GetParam();
  const Dtype dtype = dtype_of(c.name);
  std::vector<Tensor> straight = fresh_params(dtype);
  run_steps(*c.make(straight), straight, 0, kSteps, c.name);

  std::vector<Tensor> first = fresh_params(dtype);
  auto opt = c.make(first);
  run_steps(*opt, first, 0, kSteps / 2, c.name);
  const std::string path = testing::unique_temp_path("optim_resume_" + c.name, ".safetensors").string();
  io::save_safetensors(path, opt->state_dict());
  const StateDict loaded = io::load_safetensors(path);
  std::remove(path.c_str());

  // The resumed run starts from copies of the half-way parameters and a fresh optimiser.
  std::vector<Tensor> resumed;
  for (const Tensor& p : first) resumed.push_back(p.detach().clone().requires_grad_());
  auto fresh = c.make(resumed);
  fresh->load_state_dict(loaded);
  run_steps(*fresh, resumed, kSteps / 2, kSteps, c.name);
  for (size_t k = 0; k < resumed.size(); ++k)
    EXPECT_TRUE(equal(resumed[k].detach(), straight[k].detach())) << c.name << ": parameter p" << k;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OptimizerGolden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<OptimCase>& info) { return info.param.name; });

TEST(OptimizerGolden, CoversEveryFixtureCase) {
  std::set<std::string> listed;
  for (const auto& c : cases())
    EXPECT_TRUE(listed.insert(c.name).second) << "case '" << c.name << "' listed twice";
  std::set<std::string> in_file = golden::fixture_cases(kFile);
  in_file.erase("init");
  in_file.erase("grads");
  for (const auto& name : in_file)
    EXPECT_TRUE(listed.count(name)) << "fixture case '" << name << "' has no test";
  for (const auto& name : listed) EXPECT_TRUE(in_file.count(name)) << "no fixture for case '" << name << "'";
}

}  // namespace
}  // namespace strata::optim
