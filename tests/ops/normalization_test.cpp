// Normalisation: hand-computed batch/layer/group norm, running-statistics updates, eval mode, the f32
// oneDNN path against the f64 loops (forward and gradients), the composite backward used under
// create_graph against the fused one, and error messages.
#include "strata/ops/normalization.h"

#include <gmock/gmock.h>

#include <cmath>
#include <functional>

#include "test_util.h"

namespace strata {
namespace {

using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;

Tensor f32(const std::vector<float>& v, const Shape& shape) { return from_vector<float>(v, shape); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol) {
  if (!got.defined()) return ::testing::AssertionFailure() << "undefined";
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "shape " << got.shape() << " vs " << want.shape();
  const auto g = got.to_vector<double>();
  const auto w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(std::abs(g[i] - w[i]) <= tol * (1.0 + std::abs(w[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " vs " << w[i];
  }
  return ::testing::AssertionSuccess();
}

// Runs fn on f64 leaves (loops) and on f32 copies (oneDNN): outputs and all input gradients agree.
void expect_f32_matches_f64(const Fn& fn, const Inputs& in64, double tol = 1e-4) {
  Inputs a;
  Inputs b;
  for (const Tensor& t : in64) {
    a.push_back(t.detach().clone().requires_grad_());
    b.push_back(t.detach().to(kFloat32).requires_grad_());
  }
  const Tensor y64 = fn(a);
  const Tensor y32 = fn(b);
  ASSERT_EQ(y32.dtype(), kFloat32);
  EXPECT_TRUE(close(y32, y64, tol)) << "forward";
  Generator gen(7);
  const Tensor g = randn(y64.shape(), {.dtype = kFloat64}, &gen);
  y64.backward(g);
  y32.backward(g.to(kFloat32));
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(close(b[i].grad(), a[i].grad(), tol)) << "gradient of input " << i;
}

Tensor rnd(const Shape& s, uint64_t seed) { return testing::input(s, seed).detach(); }

TEST(BatchNorm, HandComputedTrainingAndRunningStats) {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const Tensor x = f32({1, 2, 3, 4}, {4, 1}).to(dt);
    Tensor rm = zeros({1}, {.dtype = dt});
    Tensor rv = ones({1}, {.dtype = dt});
    const Tensor y = ops::batch_norm(x, rm, rv, {}, {}, true, 0.1, 1e-5);
    const double inv = 1.0 / std::sqrt(1.25 + 1e-5);
    for (int64_t i = 0; i < 4; ++i) EXPECT_NEAR(y.at({i, 0}), (i + 1 - 2.5) * inv, 1e-6);
    EXPECT_NEAR(rm.item(), 0.25, 1e-7);
    EXPECT_NEAR(rv.item(), 0.9 + 0.1 * 1.25 * 4 / 3, 1e-7);  // unbiased batch variance
  }
}

TEST(BatchNorm, EvalUsesRunningStats) {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const Tensor x = f32({1, 2, 3, 4, 5, 6}, {3, 2}).to(dt);
    const Tensor rm = f32({1, 2}, {2}).to(dt);
    const Tensor rv = f32({4, 9}, {2}).to(dt);
    const Tensor w = f32({2, 3}, {2}).to(dt);
    const Tensor b = f32({0.5, -1}, {2}).to(dt);
    const Tensor y = ops::batch_norm(x, rm, rv, w, b, false, 0.1, 1e-5);
    EXPECT_NEAR(y.at({2, 0}), (5 - 1) / std::sqrt(4 + 1e-5) * 2 + 0.5, 1e-5);
    EXPECT_NEAR(y.at({1, 1}), (4 - 2) / std::sqrt(9 + 1e-5) * 3 - 1, 1e-5);
    EXPECT_TRUE(equal(rm, f32({1, 2}, {2}).to(dt)));  // untouched
  }
}

TEST(BatchNorm, F32MatchesReference) {
  auto train = [](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, v[1], v[2], true, 0.1, 1e-5); };
  expect_f32_matches_f64(train, {rnd({4, 3}, 1), rnd({3}, 2), rnd({3}, 3)});
  expect_f32_matches_f64(train, {rnd({3, 4, 5}, 1), rnd({4}, 2), rnd({4}, 3)});
  expect_f32_matches_f64(train, {rnd({8, 6, 7, 5}, 1), rnd({6}, 2), rnd({6}, 3)});
  auto plain = [](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, {}, {}, true, 0.1, 1e-3); };
  expect_f32_matches_f64(plain, {rnd({2, 3, 4, 4}, 1)});
  auto eval = [](const Inputs& v) {
    const Tensor rm = v[1].detach() * 0.1;
    const Tensor rv = v[1].detach().abs() + 0.5;
    return ops::batch_norm(v[0], rm, rv, v[1], v[2], false, 0.1, 1e-5);
  };
  expect_f32_matches_f64(eval, {rnd({4, 3, 5, 5}, 1), rnd({3}, 2), rnd({3}, 3)});
  // Non-contiguous input.
  auto perm = [](const Inputs& v) {
    return ops::batch_norm(v[0].permute({0, 3, 1, 2}), {}, {}, v[1], v[2], true, 0.1, 1e-5);
  };
  expect_f32_matches_f64(perm, {rnd({2, 4, 5, 3}, 1), rnd({3}, 2), rnd({3}, 3)});
}

TEST(BatchNorm, RunningStatsMatchInBothDtypes) {
  Tensor rm32 = zeros({3});
  Tensor rv32 = ones({3});
  Tensor rm64 = zeros({3}, {.dtype = kFloat64});
  Tensor rv64 = ones({3}, {.dtype = kFloat64});
  const Tensor x = rnd({5, 3, 4, 4}, 1) * 2.0 + 1.0;
  for (int i = 0; i < 3; ++i) {
    ops::batch_norm(x.to(kFloat32), rm32, rv32, {}, {}, true, 0.3, 1e-5);
    ops::batch_norm(x, rm64, rv64, {}, {}, true, 0.3, 1e-5);
  }
  EXPECT_TRUE(close(rm32, rm64, 1e-5));
  EXPECT_TRUE(close(rv32, rv64, 1e-5));
}

TEST(LayerNorm, HandComputed) {
  const Tensor x = f32({1, 2, 3, 4, 2, 2, 2, 2}, {2, 4});
  const Tensor y = ops::layer_norm(x, {4}, f32({1, 1, 2, 2}, {4}), f32({0, 0, 0, 1}, {4}));
  const double inv = 1.0 / std::sqrt(1.25 + 1e-5);
  EXPECT_NEAR(y.at({0, 0}), -1.5 * inv, 1e-5);
  EXPECT_NEAR(y.at({0, 3}), 1.5 * inv * 2 + 1, 1e-5);
  EXPECT_NEAR(y.at({1, 3}), 1.0, 1e-6);  // constant row: normalised to 0, plus bias
  EXPECT_TRUE(equal(ops::layer_norm(x.to(kFloat64), {4}).to(kFloat32), ops::layer_norm(x, {4})) ||
              close(ops::layer_norm(x.to(kFloat64), {4}), ops::layer_norm(x, {4}), 1e-6));
}

TEST(LayerNorm, F32MatchesReference) {
  auto ln = [](Shape ns) { return [=](const Inputs& v) { return ops::layer_norm(v[0], ns, v[1], v[2]); }; };
  expect_f32_matches_f64(ln({5}), {rnd({4, 5}, 1), rnd({5}, 2), rnd({5}, 3)});
  expect_f32_matches_f64(ln({3, 4}), {rnd({2, 5, 3, 4}, 1), rnd({3, 4}, 2), rnd({3, 4}, 3)});
  expect_f32_matches_f64(ln({64}), {rnd({8, 16, 64}, 1), rnd({64}, 2), rnd({64}, 3)});
  auto plain = [](const Inputs& v) { return ops::layer_norm(v[0].transpose(0, 1), {3}, {}, {}, 1e-3); };
  expect_f32_matches_f64(plain, {rnd({3, 4}, 1).transpose(0, 1).contiguous().transpose(0, 1)});
  auto weight_only = [](const Inputs& v) { return ops::layer_norm(v[0], {6}, v[1]); };
  expect_f32_matches_f64(weight_only, {rnd({3, 6}, 1), rnd({6}, 2)});
}

TEST(GroupNorm, MatchesLayerNormPerGroup) {
  const Tensor x = rnd({2, 6, 3, 3}, 1);
  const Tensor w = rnd({6}, 2);
  const Tensor b = rnd({6}, 3);
  const Tensor y = ops::group_norm(x, 3, w, b);
  const Tensor manual =
      ops::layer_norm(x.reshape({2, 3, 18}), {18}).reshape({2, 6, 3, 3}) * w.reshape({1, 6, 1, 1}) +
      b.reshape({1, 6, 1, 1});
  EXPECT_TRUE(allclose(y, manual, 1e-12, 1e-12));
  auto gn = [](const Inputs& v) { return ops::group_norm(v[0], 2, v[1], v[2]); };
  expect_f32_matches_f64(gn, {rnd({3, 4, 5}, 1), rnd({4}, 2), rnd({4}, 3)});
  auto gn1 = [](const Inputs& v) { return ops::group_norm(v[0], 1, {}, {}, 1e-4); };
  expect_f32_matches_f64(gn1, {rnd({2, 4, 3, 3}, 1)});
}

// Under create_graph the gradients are composed of ops; they must equal the fused kernels' (f32 and f64).
TEST(Normalization, CompositeBackwardMatchesFused) {
  auto compare = [](const std::function<Tensor(const Inputs&)>& fn, const Inputs& in, double tol) {
    Inputs leaves;
    for (const Tensor& t : in) leaves.push_back(t.detach().requires_grad_());
    const Tensor y = fn(leaves);
    Generator gen(3);
    const Tensor g = randn(y.shape(), {.dtype = y.dtype()}, &gen);
    const auto fused = autograd::grad(y, leaves, g, true, false);
    const auto composite = autograd::grad(y, leaves, g, true, true);
    for (size_t i = 0; i < leaves.size(); ++i)
      EXPECT_TRUE(close(composite[i], fused[i], tol)) << "input " << i;
  };
  for (Dtype dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
    const Tensor x = rnd({4, 3, 2, 2}, 1).to(dt);
    const Tensor w = rnd({3}, 2).to(dt);
    const Tensor b = rnd({3}, 3).to(dt);
    compare([](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, v[1], v[2], true); }, {x, w, b}, tol);
    const Tensor rm = rnd({3}, 4).to(dt);
    const Tensor rv = rnd({3}, 5).to(dt).abs() + 0.5;
    compare([&](const Inputs& v) { return ops::batch_norm(v[0], rm, rv, v[1], v[2], false); }, {x, w, b},
            tol);
    compare(
        [](const Inputs& v) {
          return ops::layer_norm(v[0], {2, 2}, v[1], v[2]);
        },
        {x, rnd({2, 2}, 6).to(dt), rnd({2, 2}, 7).to(dt)}, tol);
  }
}

TEST(Normalization, ErrorMessagesNameOpAndShapes) {
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of([] { ops::batch_norm(zeros({4}), {}, {}, {}, {}, true); }),
              HasSubstr("batch_norm: expected input of shape [N, C, ...], got [4]"));
  EXPECT_THAT(
      error_of([] {
        ops::batch_norm(zeros({1, 3}), {}, {}, {}, {}, true);
      }),
      HasSubstr(
          "batch_norm: expected more than 1 value per channel when training, got input of shape [1, 3]"));
  EXPECT_THAT(error_of([] {
                ops::batch_norm(zeros({2, 3}), {}, {}, ones({4}), {}, true);
              }),
              HasSubstr("batch_norm: expected weight of shape [3], got [4] (input of shape [2, 3])"));
  EXPECT_THAT(error_of([] {
                ops::batch_norm(zeros({2, 3}), {}, {}, {}, {}, false);
              }),
              HasSubstr("batch_norm: running_mean and running_var are required when training is false"));
  EXPECT_THAT(error_of([] {
                ops::batch_norm(zeros({2, 3}), zeros({3}, {.dtype = kFloat64}), ones({3}), {}, {}, true);
              }),
              HasSubstr("batch_norm: running_mean dtype f64 differs from input dtype f32"));
  EXPECT_THAT(
      error_of([] {
        ops::layer_norm(zeros({2, 3}), {4});
      }),
      HasSubstr(
          "layer_norm: normalized_shape [4] does not match the trailing dims of input of shape [2, 3]"));
  EXPECT_THAT(error_of([] {
                ops::layer_norm(zeros({2, 3}), {3}, ones({2}));
              }),
              HasSubstr("layer_norm: expected weight of shape [3], got [2]"));
  EXPECT_THAT(
      error_of([] {
        ops::group_norm(zeros({2, 6, 2}), 4);
      }),
      HasSubstr("group_norm: input of shape [2, 6, 2] has 6 channels, not divisible by num_groups (4)"));
  EXPECT_THAT(error_of([] {
                ops::group_norm(zeros({2, 6}, {.dtype = kInt64}), 2);
              }),
              HasSubstr("group_norm: expected a floating input, got i64"));
}

}  // namespace
}  // namespace strata
