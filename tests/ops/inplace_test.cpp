#include "test_util.h"

namespace strata {
namespace {

TEST(InPlace, UpdatesValuesThroughViews) {
  Tensor a = zeros({2, 3});
  a.add_(ones({3}));
  a.t().slice(0, 1, 2).mul_(5.0);  // column 1 of a
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 5, 1, 1, 5, 1}));
  a.div_(2.0).sub_(full({2, 1}, 0.5), 2.0);
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{-0.5, 1.5, -0.5, -0.5, 1.5, -0.5}));
  a.fill_(3).mul_(from_vector<float>({1, 2, 3})).div_(from_vector<float>({1, 1, 3}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{3, 6, 3, 3, 6, 3}));
  a.zero_();
  EXPECT_EQ(a.sum().item(), 0.0);
  a.copy_(arange(3, {.dtype = kFloat64}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 1, 2, 0, 1, 2}));
}

TEST(InPlace, BumpsTheVersion) {
  Tensor a = zeros({2});
  const uint64_t v = a.storage().version();
  a.add_(1.0);
  EXPECT_GT(a.storage().version(), v);
}

TEST(InPlace, RejectsShapesThatDoNotFitTheTarget) {
  Tensor a = zeros({3});
  try {
    a.add_(ones({2, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "add_: shape [2, 3] cannot be broadcast to the in-place target's shape [3]");
  }
  EXPECT_THROW(a.copy_(ones({4})), Error);
}

TEST(InPlace, RefusedOnTensorsAutogradNeeds) {
  Tensor w = ones({2}).requires_grad_();
  try {
    w.mul_(2.0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mul_: in-place operation on a tensor that requires grad (a leaf)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Threads, SettingIsObservedAndResultsMatch) {
  const int before = get_num_threads();
  Tensor big = randn({513, 1025});
  Tensor t = big.t();  // non-contiguous, large enough to run in parallel
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  const Tensor serial = (t * 2.0 + t).contiguous();
  const double serial_sum = big.sum().item();
  set_num_threads(2);
  const Tensor parallel = (t * 2.0 + t).contiguous();
  EXPECT_TRUE(equal(serial, parallel));
  EXPECT_NEAR(big.sum().item(), serial_sum, 1e-6 * big.numel());
  set_num_threads(before);
  EXPECT_THROW(set_num_threads(0), Error);
}

}  // namespace
}  // namespace strata
