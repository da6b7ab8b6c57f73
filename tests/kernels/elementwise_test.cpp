// Elementwise kernels called directly: the contiguous fast paths of `where` (all operands dense, or one
// branch a broadcast scalar, as in relu's and masked_fill's backward) against its general strided loop.
#include "kernels/elementwise.h"

#include "test_util.h"

namespace strata {
namespace {

// The select computed element by element, as a reference.
std::vector<double> reference(const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& shape) {
  const Tensor c = cond.expand(shape).contiguous(), x = a.expand(shape).contiguous(),
               y = b.expand(shape).contiguous();
  const std::vector<uint8_t> cv = c.to_vector<uint8_t>();
  const std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
  std::vector<double> out(cv.size());
  for (size_t i = 0; i < cv.size(); ++i) out[i] = cv[i] ? xv[i] : yv[i];
  return out;
}

TEST(WhereKernel, FastPathsMatchTheStridedLoop) {
  Generator g(1);
  const Shape shape{3, 37};  // a run length that is not a multiple of the vector width
  const Tensor cond = ops::gt(randn(shape, {}, &g), 0.0);
  const Tensor a = randn(shape, {}, &g), b = randn(shape, {}, &g);
  const Tensor zero = full({}, 0.0), seven = full({}, 7.0);
  const Tensor a_t = randn({37, 3}, {}, &g).t();  // strided: takes the general loop
  for (const auto& [x, y] : std::vector<std::pair<Tensor, Tensor>>{
           {a, b}, {zero, b}, {a, seven}, {zero, seven}, {a_t, b}, {a.slice(1, 0, 37), a_t}}) {
    const Tensor out = kernels::where(cond, x, y);
    EXPECT_EQ(out.shape(), shape);
    EXPECT_EQ(out.to_vector<double>(), reference(cond, x, y, shape));
  }
  // Strided condition, f64 and i64 operands.
  const Tensor cond_t = ops::gt(randn({37, 3}, {}, &g), 0.0).t();
  const Tensor d = randn(shape, {.dtype = kFloat64}, &g);
  EXPECT_EQ(kernels::where(cond_t, d, full({}, 1.0, {.dtype = kFloat64})).to_vector<double>(),
            reference(cond_t, d, full({}, 1.0, {.dtype = kFloat64}), shape));
  const Tensor i = arange(111, {.dtype = kInt64}).reshape(shape);
  EXPECT_EQ(kernels::where(cond, i, full({}, -1.0, {.dtype = kInt64})).to_vector<double>(),
            reference(cond, i, full({}, -1.0, {.dtype = kInt64}), shape));
}

TEST(WhereKernel, LargeInputsSplitAcrossThreads) {
  Generator g(2);
  const Shape shape{4, 70000};
  const Tensor cond = ops::le(randn(shape, {}, &g), 0.0);
  const Tensor grad = randn(shape, {}, &g);
  const int threads = get_num_threads();
  set_num_threads(2);
  const Tensor out = kernels::where(cond, full({}, 0.0), grad);
  set_num_threads(threads);
  EXPECT_EQ(out.to_vector<double>(), reference(cond, full({}, 0.0), grad, shape));
}

// f32 tanh runs through the vectorised vtanh: within 3e-7 relative (and 1e-7 absolute) of the f64 tanh
// over [-20, 20], both branches of its split at |x| = 0.625 and the tiny-argument path included, with
// NaN passing through and +-inf giving +-1.
TEST(TanhKernel, F32MatchesDoubleTanh) {
  const Tensor x = arange(-20.0, 20.0, 1.0 / 1024.0);
  const std::vector<float> xs = x.to_vector<float>();
  const std::vector<float> ys = ops::tanh(x).to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const double ref = std::tanh(static_cast<double>(xs[i]));
    ASSERT_NEAR(ys[i], ref, 1e-7 + 3e-7 * std::abs(ref)) << "x = " << xs[i];
  }
  const std::vector<float> small = {1e-6f, -3e-4f, 0.5f, 0.62f, 0.63f, -0.7f};
  const std::vector<float> out = ops::tanh(from_vector<float>(small)).to_vector<float>();
  for (size_t i = 0; i < small.size(); ++i) {
    EXPECT_NEAR(out[i], std::tanh(static_cast<double>(small[i])), 3e-7 * std::abs(std::tanh(small[i])));
  }
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> special =
      ops::tanh(from_vector<float>({inf, -inf, std::numeric_limits<float>::quiet_NaN()})).to_vector<float>();
  EXPECT_EQ(special[0], 1.0f);
  EXPECT_EQ(special[1], -1.0f);
  EXPECT_TRUE(std::isnan(special[2]));
}

}  // namespace
}  // namespace strata
