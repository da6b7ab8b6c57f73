// remap_state_dict: skipping entries by glob, renaming prefixes, and the errors for typos and collisions.
#include "strata/nn/state_dict.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "strata/nn.h"

namespace strata::nn {
namespace {

StateDict sample() {
  return {{"backbone.0.weight", ones({2, 2})},
          {"backbone.0.bias", zeros({2})},
          {"fc.weight", ones({3, 2})},
          {"fc.bias", zeros({3})}};
}

std::vector<std::string> keys(const StateDict& s) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s) out.push_back(k);
  return out;
}

TEST(StateDict, SkipsByGlobAndRenamesPrefixes) {
  const RemappedState r =
      remap_state_dict(sample(), {.skip = {"fc.*"}, .rename = {{"backbone.", "features."}}});
  EXPECT_EQ(keys(r.state), (std::vector<std::string>{"features.0.bias", "features.0.weight"}));
  EXPECT_EQ(r.skipped, (std::vector<std::string>{"fc.bias", "fc.weight"}));
  // The entries share the saved tensors (no copies).
  const StateDict saved = sample();
  const RemappedState shared = remap_state_dict(saved, {.rename = {{"backbone.", "features."}}});
  EXPECT_EQ(shared.state.at("features.0.weight").impl(), saved.at("backbone.0.weight").impl());
}

TEST(StateDict, RemovingAPrefixAndTheFirstMatchingRenameWins) {
  const RemappedState r =
      remap_state_dict(sample(), {.rename = {{"backbone.0.", "stem."}, {"backbone.", ""}, {"fc.", "head."}}});
  EXPECT_EQ(keys(r.state), (std::vector<std::string>{"head.bias", "head.weight", "stem.bias", "stem.weight"}));
  EXPECT_TRUE(r.skipped.empty());
  const RemappedState none = remap_state_dict(sample(), {});
  EXPECT_EQ(keys(none.state), keys(sample()));
}

TEST(StateDict, SkipMatchesTheRenamedNames) {
  const RemappedState r = remap_state_dict(sample(), {.skip = {"0.*"}, .rename = {{"backbone.", ""}}});
  EXPECT_EQ(keys(r.state), (std::vector<std::string>{"fc.bias", "fc.weight"}));
  EXPECT_EQ(r.skipped, (std::vector<std::string>{"0.bias", "0.weight"}));
  EXPECT_THROW(remap_state_dict(sample(), {.skip = {"backbone.0.*"}, .rename = {{"backbone.", ""}}}), Error);
}

TEST(StateDict, AddingAPrefixWithAnEmptyFrom) {
  const RemappedState r = remap_state_dict({{"w", ones({1})}}, {.rename = {{"", "model."}}});
  EXPECT_EQ(keys(r.state), (std::vector<std::string>{"model.w"}));
}

TEST(StateDict, TyposAndCollisionsAreErrors) {
  try {
    remap_state_dict(sample(), {.skip = {"head.*"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "remap_state_dict: skip pattern 'head.*' matches no entry of the state dict (4 entries)");
  }
  try {
    remap_state_dict(sample(), {.rename = {{"encoder.", ""}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rename prefix 'encoder.'"), std::string::npos) << e.what();
  }
  try {
    remap_state_dict({{"a.w", ones({1})}, {"b.w", ones({1})}}, {.rename = {{"a.", ""}, {"b.", ""}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "remap_state_dict: 'a.w' and 'b.w' would both be named 'w'");
  }
  EXPECT_THROW(remap_state_dict({{"a.", ones({1})}}, {.rename = {{"a.", ""}}}), Error);  // empty name
}

TEST(StateDict, FeedsANonStrictLoadIntoAModelWithANewHead) {
  manual_seed(0);
  Sequential source;
  source->push_back("backbone", Linear(4, 8));
  source->push_back("fc", Linear(8, 10));
  manual_seed(1);
  Sequential target;
  target->push_back("0", Linear(4, 8));
  target->push_back("head", Linear(8, 3));
  const Tensor head_before = target->state_dict().at("head.weight").clone();
  const RemappedState r =
      remap_state_dict(source->state_dict(), {.skip = {"head.*"}, .rename = {{"backbone.", "0."}, {"fc.", "head."}}});
  const LoadReport report = target->load_state_dict(r.state, /*strict=*/false);
  EXPECT_EQ(report.loaded, (std::vector<std::string>{"0.bias", "0.weight"}));
  EXPECT_EQ(report.missing, (std::vector<std::string>{"head.bias", "head.weight"}));
  EXPECT_TRUE(equal(target->state_dict().at("0.weight"), source->state_dict().at("backbone.weight")));
  EXPECT_TRUE(equal(target->state_dict().at("head.weight"), head_before));
}

}  // namespace
}  // namespace strata::nn
