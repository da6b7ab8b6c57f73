#include "strata/nn/dropout.h"

#include <sstream>

#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Dropout, ZeroesAndScalesInTrainingOnly) {
  Dropout drop(0.25);
  Tensor x = ones({10000});
  const auto y = drop(x).to_vector<float>();
  int zeros_count = 0;
  for (float v : y) {
    if (v == 0) {
      ++zeros_count;
    } else {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
    }
  }
  EXPECT_NEAR(zeros_count / 10000.0, 0.25, 0.02);
  drop->eval();
  EXPECT_TRUE(equal(drop(x), x));
}

TEST(Dropout, PrintsAndChecksItsProbability) {
  std::ostringstream os;
  os << *Dropout(0.3).ptr();
  EXPECT_EQ(os.str(), "Dropout(p=0.3)");
  try {
    Dropout(1.5);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dropout: probability must be in [0, 1], got 1.5");
  }
}

}  // namespace
}  // namespace strata::nn
