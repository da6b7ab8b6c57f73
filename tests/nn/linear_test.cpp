#include "strata/nn/linear.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "strata/ops/linalg.h"
#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Linear, MatchesPyTorchDefaultsAndChecksInput) {
  manual_seed(0);
  Linear fc(100, 50);
  EXPECT_EQ(fc->weight.shape(), (Shape{50, 100}));
  EXPECT_EQ(fc->bias.shape(), (Shape{50}));
  const double bound = 1.0 / std::sqrt(100.0);
  const auto w = fc->weight.to_vector<float>();
  for (float v : w) EXPECT_LE(std::abs(v), bound + 1e-6);
  EXPECT_GT(*std::max_element(w.begin(), w.end()), 0.9 * bound);  // fills the range
  for (float v : fc->bias.to_vector<float>()) EXPECT_LE(std::abs(v), bound + 1e-6);
  try {
    fc(zeros({2, 99}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Linear: expected input with last dim 100 (in_features), got shape [2, 99]");
  }
  EXPECT_THROW(Linear(0, 3), Error);
}

TEST(Linear, ComputesXWTransposePlusBias) {
  Linear fc(2, 3);
  fc->load_state_dict({{"weight", from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2})},
                       {"bias", from_vector<float>({0.5f, -1, 0})}});
  EXPECT_EQ(fc(from_vector<float>({1, 1}, {1, 2})).to_vector<float>(), (std::vector<float>{3.5f, 6, 11}));
  // Leading dims pass through.
  EXPECT_EQ(fc(zeros({4, 5, 2})).shape(), (Shape{4, 5, 3}));
  Linear no_bias(2, 3, false);
  EXPECT_FALSE(no_bias->bias.defined());
  EXPECT_EQ(no_bias->named_parameters().size(), 1u);
  EXPECT_TRUE(allclose(no_bias(ones({1, 2})), ops::matmul(ones({1, 2}), no_bias->weight.t())));
}

TEST(Linear, ResetParametersRedraws) {
  Linear fc(8, 4);
  const Tensor before = fc->weight.clone();
  fc->reset_parameters();
  EXPECT_FALSE(equal(before, fc->weight));
}

TEST(Linear, PrintsLikePyTorch) {
  std::ostringstream os;
  os << *Linear(4, 2).ptr() << " " << *Flatten(0, 2).ptr() << " " << *Identity().ptr();
  EXPECT_EQ(os.str(),
            "Linear(in_features=4, out_features=2, bias=true) Flatten(start_dim=0, end_dim=2) Identity()");
}

TEST(Flatten, FlattensTheGivenDims) {
  EXPECT_EQ(Flatten()(zeros({2, 3, 4})).shape(), (Shape{2, 12}));
  EXPECT_EQ(Flatten(0, 1)(zeros({2, 3, 4})).shape(), (Shape{6, 4}));
  const Tensor x = randn({2, 3});
  EXPECT_TRUE(Identity()(x).is_same(x));
}

}  // namespace
}  // namespace strata::nn
