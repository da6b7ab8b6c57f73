#include "test_util.h"

namespace strata {
namespace {

TEST(Tensor, FactoriesAndElementAccess) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(z.at({1, 2}), 0.0);
  Tensor f = full({2}, 2.5, {.dtype = kFloat64});
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(arange(5, {.dtype = kInt64}).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(linspace(0, 1, 5).to_vector<float>(), (std::vector<float>{0, 0.25, 0.5, 0.75, 1}));
  Tensor e = eye(3);
  EXPECT_EQ(e.at({1, 1}), 1.0);
  EXPECT_EQ(e.at({1, 0}), 0.0);
  EXPECT_EQ(scalar_tensor(4.0).item(), 4.0);
}

TEST(Tensor, ItemReadsLargeIntegersExactly) {
  // 2^60 + 1 has no double of its own: item<int64_t>() must not pass through double.
  const int64_t big = (int64_t{1} << 60) + 1;
  EXPECT_EQ(from_vector<int64_t>({big}).item<int64_t>(), big);
  EXPECT_EQ(from_vector<int64_t>({-big}).reshape({1, 1}).item<int64_t>(), -big);
  EXPECT_EQ(from_vector<int64_t>({-1}).item<uint64_t>(), ~uint64_t{0});
  EXPECT_EQ(from_vector<float>({2.5f}).item<int64_t>(), 2);
  EXPECT_THROW(from_vector<int64_t>({1, 2}).item<int64_t>(), Error);
}

TEST(Tensor, SeededRandomIsReproducible) {
  manual_seed(42);
  Tensor a = randn({4, 4});
  manual_seed(42);
  Tensor b = randn({4, 4});
  EXPECT_TRUE(equal(a, b));
  Tensor r = randint(0, 10, {1000});
  for (int64_t v : r.to_vector<int64_t>()) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 10);
  }
  Tensor u = rand({1000});
  EXPECT_NEAR(u.sum().item() / 1000.0, 0.5, 0.05);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor a = arange(6).reshape({2, 3});
  Tensor t = a.t();
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.at({2, 1}), 5.0);
  t.set_at({0, 1}, 10.0);
  EXPECT_EQ(a.at({1, 0}), 10.0);
  Tensor s = a.slice(1, 0, 3, 2);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.at({1, 1}), 5.0);
  EXPECT_EQ(a.select(0, -1).to_vector<float>(), (std::vector<float>{10, 4, 5}));
  EXPECT_EQ(a.unsqueeze(0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(a.unsqueeze(0).squeeze().shape(), (Shape{2, 3}));
  EXPECT_EQ(a.view({-1}).shape(), (Shape{6}));
  EXPECT_EQ(ones({3, 1}).expand({2, 3, 4}).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(a.flatten().numel(), 6);
  EXPECT_EQ(zeros({2, 3, 4}).permute({2, 0, 1}).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(a.narrow(1, 1, 2).shape(), (Shape{2, 2}));
}

TEST(Tensor, ContiguousCloneAndCast) {
  Tensor a = arange(6).reshape({2, 3}).t();
  Tensor c = a.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor d = a.to(kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_TRUE(allclose(d.to(kFloat32), a));
  Tensor i = from_vector<float>({1.7f, -2.2f}).to(kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, -2}));
}

TEST(Tensor, ViewOfNonContiguousIsRefused) {
  Tensor a = zeros({2, 3}).t();
  try {
    a.view({6});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("use reshape"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.reshape({6}).shape(), (Shape{6}));
}

TEST(Tensor, PrintsLikePyTorch) {
  std::ostringstream os;
  os << from_vector<float>({1.5f, -2.0f, 3.25f, 4.0f}, {2, 2});
  EXPECT_EQ(os.str(), "tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])");
  std::ostringstream os2;
  os2 << arange(3, {.dtype = kInt64});
  EXPECT_EQ(os2.str(), "tensor([0, 1, 2], dtype=i64)");
  std::ostringstream os3;
  os3 << zeros({2000});
  EXPECT_EQ(os3.str(), "tensor([0., 0., 0., ..., 0., 0., 0.])");
}

TEST(Tensor, BadInputThrowsClearErrors) {
  try {
    ops::mul(zeros({2, 3}), zeros({4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "mul: shapes [2, 3] and [4] are not broadcastable");
  }
  EXPECT_THROW(zeros({2, 3}).reshape({4}), Error);
  EXPECT_THROW(zeros({2}).item(), Error);
  EXPECT_THROW(zeros({2, 3}).at({2, 0}), Error);
  EXPECT_THROW(zeros({2}).data_ptr<double>(), Error);
  EXPECT_THROW(zeros({2}).to(kCUDA), Error);
  EXPECT_THROW(zeros({2, 3}).transpose(0, 2), Error);
}

TEST(Allocator, SteadyStateReusesBlocks) {
  for (int i = 0; i < 3; ++i) Tensor warm = ones({256, 256}) * 2.0;
  const AllocatorStats before = cpu_allocator::stats();
  for (int i = 0; i < 10; ++i) Tensor t = ones({256, 256}) * 2.0;
  const AllocatorStats after = cpu_allocator::stats();
  EXPECT_EQ(after.system_allocs, before.system_allocs);
  EXPECT_GT(after.cache_hits, before.cache_hits);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ones({3}).raw_data()) % kAlignment, 0u);
}

}  // namespace
}  // namespace strata
