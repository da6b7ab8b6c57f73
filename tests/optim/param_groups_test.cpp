// param_groups: groups by glob on parameter names, first match wins, frozen parameters left out (or kept
// with include_frozen), and the errors for empty groups and unmatched parameters.
#include "strata/optim/param_groups.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "strata/nn.h"
#include "strata/optim.h"

namespace strata::optim {
namespace {

// features.{0,2}.{weight,bias}, fc.{weight,bias}.
nn::Sequential net() {
  nn::Sequential features(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 8));
  nn::Sequential n;
  n->push_back("features", features);
  n->push_back("fc", nn::Linear(8, 3));
  return n;
}

std::vector<const TensorImpl*> impls(const std::vector<Tensor>& ts) {
  std::vector<const TensorImpl*> out;
  for (const Tensor& t : ts) out.push_back(t.impl());
  return out;
}

std::vector<const TensorImpl*> named(const nn::Module& m, const std::string& pattern) {
  std::vector<const TensorImpl*> out;
  const auto params = m.named_parameters();
  for (const std::string& n : m.parameter_names(pattern)) {
    for (const auto& [pn, p] : params) {
      if (pn == n) out.push_back(p.impl());
    }
  }
  return out;
}

TEST(ParamGroups, FirstMatchingPatternWins) {
  nn::Sequential n = net();
  const auto groups = param_groups<AdamOptions>(*n, {{"fc.*", {.lr = 1e-3}}, {"*", {.lr = 1e-4}}});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(impls(groups[0].params), named(*n, "fc.*"));
  EXPECT_EQ(impls(groups[1].params), named(*n, "features.*"));
  EXPECT_EQ(groups[0].options.lr, 1e-3);
  EXPECT_EQ(groups[1].options.lr, 1e-4);
  Adam opt(groups);
  EXPECT_EQ(opt.num_groups(), 2u);
  EXPECT_EQ(opt.lr(0), 1e-3);
  EXPECT_EQ(opt.lr(1), 1e-4);
}

TEST(ParamGroups, DiscriminativeRatesMoveEachGroupAtItsOwnRate) {
  nn::Sequential n = net();
  SGD opt(param_groups<SGDOptions>(*n, {{"fc.*", {.lr = 0.1}}, {"features.*", {.lr = 0.0}}}));
  const nn::StateDict before = n->state_dict();
  std::map<std::string, Tensor> copies;
  for (const auto& [k, v] : before) copies[k] = v.clone();
  n(randn({5, 4})).sum().backward();
  opt.step();
  const nn::StateDict after = n->state_dict();
  EXPECT_TRUE(equal(after.at("features.0.weight"), copies.at("features.0.weight")));
  EXPECT_FALSE(equal(after.at("fc.weight"), copies.at("fc.weight")));
}

TEST(ParamGroups, FrozenParametersAreLeftOutUnlessAskedFor) {
  nn::Sequential n = net();
  n->freeze("features.0.*");
  const auto groups = param_groups<SGDOptions>(*n, {{"*", {.lr = 0.1}}});
  EXPECT_EQ(impls(groups[0].params).size(), 4u);
  const auto all = param_groups<SGDOptions>(*n, {{"*", {.lr = 0.1}}}, /*include_frozen=*/true);
  EXPECT_EQ(impls(all[0].params), named(*n, "*"));
  // A frozen parameter matching no pattern is fine when frozen parameters are left out.
  EXPECT_NO_THROW(param_groups<SGDOptions>(*n, {{"features.2.*", {}}, {"fc.*", {}}}));
}

TEST(ParamGroups, EmptyGroupsAndUnmatchedParametersAreErrors) {
  nn::Sequential n = net();
  try {
    param_groups<AdamOptions>(*n, {{"head.*", {}}, {"*", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "param_groups: group 0 ('head.*') matches no parameter of Sequential");
  }
  try {
    param_groups<AdamOptions>(*n, {{"*", {}}, {"fc.*", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "param_groups: group 1 ('fc.*') matches no parameter of Sequential that an earlier group did not take");
  }
  try {
    param_groups<AdamOptions>(*n, {{"fc.*", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "param_groups: parameter(s) features.0.weight, features.0.bias, features.2.weight, features.2.bias of "
              "Sequential match no group (fc.*); end with a \"*\" group for the rest, or freeze them");
  }
  n->freeze("features.*");
  try {
    param_groups<AdamOptions>(*n, {{"features.*", {}}, {"*", {}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "param_groups: group 0 ('features.*') is empty: the 4 parameter(s) it matches are frozen (pass "
              "include_frozen to keep them for a later unfreeze)");
  }
  EXPECT_THROW(param_groups<AdamOptions>(*n, {}), Error);
}

}  // namespace
}  // namespace strata::optim
