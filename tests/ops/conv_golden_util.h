#pragma once
// Golden tests of whole layers against PyTorch (fixtures from scripts/gen_fixtures_conv.py): a case `c`
// holds the input `c.x`, the layer's parameters and buffers under their state_dict names, the output
// `c.out`, an upstream gradient `c.grad_out`, the gradients `c.grad_x` and `c.grad_<param>`, and for
// layers with buffers their values after the step (`c.<buffer>_after`, `c.num_batches_tracked`).
// The layer is loaded with load_state_dict(strict), so its parameter and buffer names must match
// PyTorch's. f32 tolerances allow for a different summation order (oneDNN vs PyTorch, ISA to ISA).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>

#include "golden_util.h"
#include "strata/nn/module.h"

namespace strata::layer_golden {

using LayerFactory = std::function<std::shared_ptr<nn::Module>()>;
using Cases = std::map<std::string, LayerFactory>;

inline ::testing::AssertionResult close(const Tensor& got, const Tensor& want) {
  if (!got.defined()) return ::testing::AssertionFailure() << "is undefined";
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "has dtype " << got.dtype() << ", PyTorch's has " << want.dtype();
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "has shape " << got.shape() << ", PyTorch's has " << want.shape();
  const auto g = got.to_vector<double>();
  const auto w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(std::abs(g[i] - w[i]) <= 2e-5 + 1e-4 * std::abs(w[i])))
      return ::testing::AssertionFailure() << "element " << i << ": strata " << g[i] << ", PyTorch " << w[i];
  }
  return ::testing::AssertionSuccess();
}

// Runs case `name` of `file` through the layer made by `make`.
inline void run(const std::string& file, const std::string& name, const LayerFactory& make) {
  const auto& tensors = golden::fixture(file);
  std::set<std::string> used;
  auto get = [&](const std::string& part) -> const Tensor& {
    const std::string key = name + "." + part;
    auto it = tensors.find(key);
    STRATA_CHECK(it != tensors.end(), "golden: the fixture has no tensor '{}'", key);
    used.insert(key);
    return it->second;
  };
  std::shared_ptr<nn::Module> layer = make();
  // Load PyTorch's parameters and buffers by state_dict name (num_batches_tracked starts at 0).
  nn::StateDict state;
  for (const auto& [key, value] : layer->state_dict())
    state[key] = key == "num_batches_tracked" ? zeros({}, {.dtype = kInt64}) : get(key);
  layer->load_state_dict(state, true);
  // PyTorch counts training steps only: a case stepped in eval mode stores 0.
  auto tracked = tensors.find(name + ".num_batches_tracked");
  layer->train(tracked == tensors.end() || tracked->second.item<int64_t>() > 0);

  const Tensor x = get("x").detach().clone().requires_grad_();
  const Tensor out = layer->forward(x);
  EXPECT_TRUE(close(out, get("out"))) << name << ": output";
  out.backward(get("grad_out"));
  EXPECT_TRUE(close(x.grad(), get("grad_x"))) << name << ": gradient of the input";
  for (const auto& [pname, p] : layer->named_parameters())
    EXPECT_TRUE(close(p.grad(), get("grad_" + pname))) << name << ": gradient of " << pname;
  for (const auto& [bname, b] : layer->named_buffers()) {
    if (bname == "num_batches_tracked") {
      EXPECT_EQ(b.item<int64_t>(), get(bname).item<int64_t>()) << name << ": num_batches_tracked";
    } else {
      EXPECT_TRUE(close(b, get(bname + "_after"))) << name << ": " << bname << " after the step";
    }
  }
  for (auto it = tensors.lower_bound(name + "."); it != tensors.end() && it->first.starts_with(name + ".");
       ++it)
    EXPECT_TRUE(used.count(it->first)) << name << ": fixture tensor '" << it->first << "' was not checked";
}

// The test's cases and the fixture's must be the same.
inline void expect_covers(const std::string& file, const Cases& cases) {
  const std::set<std::string> stored = golden::fixture_cases(file);
  for (const auto& name : stored)
    EXPECT_TRUE(cases.count(name)) << file << ": case '" << name << "' has no test";
  for (const auto& [name, make] : cases)
    EXPECT_TRUE(stored.count(name)) << file << ": no fixture for case '" << name << "'";
}

inline std::vector<std::string> names(const Cases& cases) {
  std::vector<std::string> out;
  for (const auto& [name, make] : cases) out.push_back(name);
  return out;
}

}  // namespace strata::layer_golden

// Defines Suite.CoversEveryFixtureCase and Fixtures/SuiteCase.MatchesPyTorch/<case> for each case.
#define STRATA_LAYER_GOLDEN_TESTS(Suite, file, cases_fn)                                           \
  TEST(Suite, CoversEveryFixtureCase) { ::strata::layer_golden::expect_covers(file, cases_fn()); } \
  class Suite##Case : public ::testing::TestWithParam<std::string> {};                             \
  TEST_P(Suite##Case, MatchesPyTorch) {                                                            \
    ::strata::layer_golden::run(file, GetParam(), cases_fn().at(GetParam()));                      \
  }                                                                                                \
  INSTANTIATE_TEST_SUITE_P(Fixtures, Suite##Case,                                                  \
                           ::testing::ValuesIn(::strata::layer_golden::names(cases_fn())),         \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })
