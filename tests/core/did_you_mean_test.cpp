// "Did you mean" hints: the closest known word within a third of the word's length.
#include "strata/core/did_you_mean.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

const std::vector<std::string> kKnown = {"relu", "resnet18", "resnet20", "mobilenet_v2", "flatten"};

TEST(DidYouMean, SuggestsTheClosestWord) {
  EXPECT_EQ(did_you_mean("rleu", kKnown), " (did you mean 'relu'?)");  // a transposition is one edit
  EXPECT_EQ(did_you_mean("resnet19", kKnown), " (did you mean 'resnet18'?)");
  EXPECT_EQ(did_you_mean("mobilenetv2", kKnown), " (did you mean 'mobilenet_v2'?)");
  EXPECT_EQ(did_you_mean("flaten", kKnown), " (did you mean 'flatten'?)");
}

TEST(DidYouMean, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(did_you_mean("vgg", kKnown), "");
  EXPECT_EQ(did_you_mean("transformer", kKnown), "");
  EXPECT_EQ(did_you_mean("relu", kKnown), "");  // the word itself is known
  EXPECT_EQ(did_you_mean("relu", {}), "");
  EXPECT_EQ(did_you_mean("", kKnown), "");
}

}  // namespace
}  // namespace strata
