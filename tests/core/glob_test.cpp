// Glob matching on dotted names: '*' spans any run of characters (dots included), '?' one character.
#include "strata/core/glob.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Glob, LiteralsMatchOnlyThemselves) {
  EXPECT_TRUE(glob_match("fc.weight", "fc.weight"));
  EXPECT_FALSE(glob_match("fc.weight", "fc.weights"));
  EXPECT_FALSE(glob_match("fc.weight", "fc.weigh"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
}

TEST(Glob, StarSpansAnyRunIncludingDots) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "features.0.weight"));
  EXPECT_TRUE(glob_match("layer1.*", "layer1.0.conv1.weight"));
  EXPECT_FALSE(glob_match("layer1.*", "layer10.weight"));
  EXPECT_FALSE(glob_match("layer1.*", "layer1"));
  EXPECT_TRUE(glob_match("*.bn*.weight", "layer1.0.bn1.weight"));
  EXPECT_FALSE(glob_match("*.bn*.weight", "layer1.0.bn1.bias"));
  EXPECT_TRUE(glob_match("*weight", "weight"));
  EXPECT_TRUE(glob_match("a*b*c", "a.x.b.y.b.c"));
  EXPECT_FALSE(glob_match("a*b*c", "a.x.b.y.b.d"));
  EXPECT_TRUE(glob_match("**", "x"));
}

TEST(Glob, QuestionMarkIsExactlyOneCharacter) {
  EXPECT_TRUE(glob_match("fc.bia?", "fc.bias"));
  EXPECT_FALSE(glob_match("fc.bia?", "fc.bia"));
  EXPECT_TRUE(glob_match("features.?.weight", "features.3.weight"));
  EXPECT_FALSE(glob_match("features.?.weight", "features.12.weight"));
  EXPECT_TRUE(glob_match("?*", "x"));
  EXPECT_FALSE(glob_match("?*", ""));
}

TEST(Glob, BacktracksAcrossRepeatedPrefixes) {
  EXPECT_TRUE(glob_match("*ab", "aaab"));
  EXPECT_TRUE(glob_match("*.0.*", "layer.0.0.0.weight"));
  EXPECT_FALSE(glob_match("*aab", "abab"));
}

}  // namespace
}  // namespace strata
