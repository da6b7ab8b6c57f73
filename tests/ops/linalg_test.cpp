// Matrix products against a naive triple loop: every matmul rank combination, broadcast batches,
// transposed / sliced / expanded operands, f32 vs f64, threading, linear, and error messages.
#include <gmock/gmock.h>

#include <thread>

#include "test_util.h"

namespace strata {
namespace {

// Naive reference for a (rank >= 1) @ b (rank >= 1) with PyTorch's rules, computed in double.
Tensor reference(const Tensor& a_in, const Tensor& b_in) {
  const bool a_vec = a_in.dim() == 1;
  const bool b_vec = b_in.dim() == 1;
  const Tensor a = (a_vec ? a_in.unsqueeze(0) : a_in).detach().to(kFloat64).contiguous();
  const Tensor b = (b_vec ? b_in.unsqueeze(1) : b_in).detach().to(kFloat64).contiguous();
  const std::vector<double> av = a.to_vector<double>();
  const std::vector<double> bv = b.to_vector<double>();
  const int64_t m = a.size(-2);
  const int64_t k = a.size(-1);
  const int64_t n = b.size(-1);
  const Shape batch_a(std::span<const int64_t>(a.shape().begin(), a.shape().end() - 2));
  const Shape batch_b(std::span<const int64_t>(b.shape().begin(), b.shape().end() - 2));
  const Shape batch = broadcast_shapes(batch_a, batch_b, "reference");
  const int64_t nbatch = batch.numel();
  std::vector<double> out(static_cast<size_t>(nbatch * m * n), 0.0);
  // Maps a batch index of the broadcast shape to a flat batch index of an operand.
  auto flat = [&](const Shape& own, int64_t i) {
    int64_t idx = 0;
    int64_t mul = 1;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t coord = i % batch[d];
      i /= batch[d];
      const size_t lead = batch.size() - own.size();
      if (d >= lead) {
        const int64_t size = own[d - lead];
        idx += (size == 1 ? 0 : coord) * mul;
        mul *= size;
      }
    }
    return idx;
  };
  for (int64_t bi = 0; bi < nbatch; ++bi) {
    const double* ap = av.data() + flat(batch_a, bi) * m * k;
    const double* bp = bv.data() + flat(batch_b, bi) * k * n;
    double* cp = out.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p) s += ap[i * k + p] * bp[p * n + j];
        cp[i * n + j] = s;
      }
    }
  }
  Shape shape = batch;
  if (!a_vec) shape.push_back(m);
  if (!b_vec) shape.push_back(n);
  return from_vector(out, shape);
}

Tensor rnd(const Shape& shape, uint64_t seed, Dtype dtype = kFloat32) {
  Generator g(seed);
  return randn(shape, {.dtype = dtype}, &g);
}

// Checks `got` against the reference product of a and b (shape and values).
void expect_product(const Tensor& got, const Tensor& a, const Tensor& b, double tol = 1e-4) {
  const Tensor want = reference(a, b);
  ASSERT_EQ(got.shape(), want.shape()) << "for " << a.shape() << " @ " << b.shape();
  EXPECT_EQ(got.dtype(), a.dtype());
  EXPECT_TRUE(allclose(got.to(kFloat64), want, tol, tol))
      << "for " << a.shape() << " @ " << b.shape() << "\n got " << got << "\n want " << want;
}

class MatmulBothDtypes : public ::testing::TestWithParam<Dtype> {};

TEST_P(MatmulBothDtypes, RankCombinations) {
  const Dtype dt = GetParam();
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{5}, {5}},                    // dot -> 0-dim
      {{3}, {3, 4}},                 // vector @ matrix
      {{4, 3}, {3}},                 // matrix @ vector
      {{4, 3}, {3, 5}},              // mm
      {{1, 7}, {7, 1}},              // 1x1 result
      {{2, 4, 3}, {2, 3, 5}},        // bmm
      {{2, 4, 3}, {3, 5}},           // batch @ shared matrix
      {{4, 3}, {2, 3, 5}},           // shared matrix @ batch
      {{3}, {2, 3, 5}},              // vector @ batch
      {{2, 4, 3}, {3}},              // batch @ vector
      {{2, 1, 4, 3}, {1, 5, 3, 2}},  // broadcast batch dims both ways
      {{3, 1, 2, 4, 3}, {2, 3, 6}},  // 5-D with broadcast
      {{1, 4, 3}, {6, 3, 2}},        // size-1 batch broadcast
  };
  int seed = 1;
  for (const auto& [sa, sb] : cases) {
    const Tensor a = rnd(sa, seed++, dt);
    const Tensor b = rnd(sb, seed++, dt);
    expect_product(ops::matmul(a, b), a, b);
    expect_product(a.matmul(b), a, b);
  }
  EXPECT_EQ(ops::matmul(rnd({5}, 1, dt), rnd({5}, 2, dt)).dim(), 0);
}

TEST_P(MatmulBothDtypes, NonContiguousOperands) {
  const Dtype dt = GetParam();
  const Tensor base = rnd({8, 10}, 3, dt);
  const Tensor b = rnd({6, 4}, 4, dt);
  // Transposed (column-major) operands on either side.
  const Tensor at = rnd({6, 5}, 5, dt).t();  // [5, 6]
  expect_product(ops::matmul(at, b), at, b);
  const Tensor bt = rnd({4, 6}, 6, dt).t();  // [6, 4]
  expect_product(ops::matmul(at, bt), at, bt);
  // Row and column slices (leading dimension larger than the row).
  const Tensor cols = base.slice(1, 2, 8);  // [8, 6]
  expect_product(ops::matmul(cols, b), cols, b);
  const Tensor rows = base.slice(0, 0, 8, 2).slice(1, 0, 6);  // [4, 6], row stride 20
  expect_product(ops::matmul(rows, b), rows, b);
  // Both strides > 1: must be copied before the library call.
  const Tensor both = base.slice(0, 0, 8, 2).slice(1, 0, 10, 2);  // [4, 5]
  const Tensor b5 = rnd({5, 3}, 7, dt);
  expect_product(ops::matmul(both, b5), both, b5);
  expect_product(ops::matmul(b5.t(), both.t()), b5.t(), both.t());
  // Batched: permuted batch dim, transposed matrices, and a single column.
  const Tensor p = rnd({4, 3, 5}, 8, dt).permute({1, 0, 2});  // [3, 4, 5]
  const Tensor q = rnd({3, 6, 5}, 9, dt).transpose(1, 2);     // [3, 5, 6]
  expect_product(ops::matmul(p, q), p, q);
  const Tensor col = rnd({5, 2}, 10, dt).slice(1, 1, 2);  // [5, 1], stride 2
  expect_product(ops::matmul(p, col), p, col);
  const Tensor row = rnd({5, 2}, 11, dt).slice(1, 0, 1).t();  // [1, 5] with column stride 2
  expect_product(ops::matmul(row, q), row, q);
}

TEST_P(MatmulBothDtypes, ExpandedOperands) {
  const Dtype dt = GetParam();
  // Stride-0 batch dims (read once) against a full batch on the other side, and on both sides.
  const Tensor a = rnd({1, 4, 3}, 12, dt).expand({5, 4, 3});
  const Tensor b = rnd({5, 3, 2}, 13, dt);
  expect_product(ops::matmul(a, b), a, b);
  expect_product(ops::matmul(b.transpose(1, 2), a.transpose(1, 2)), b.transpose(1, 2), a.transpose(1, 2));
  const Tensor b2 = rnd({1, 3, 2}, 14, dt).expand({5, 3, 2});
  expect_product(ops::matmul(a, b2), a, b2);
  const Tensor c = rnd({1, 3, 2}, 15, dt);
  expect_product(ops::matmul(a, c), a, c);
  // Stride 0 inside a matrix (the gradient of a sum looks like this).
  const Tensor ones_m = ones({}, {.dtype = dt}).expand({4, 3});
  const Tensor d = rnd({3, 2}, 16, dt);
  expect_product(ops::matmul(ones_m, d), ones_m, d);
  expect_product(ops::matmul(d.t(), ones_m.t()), d.t(), ones_m.t());
}

TEST_P(MatmulBothDtypes, EmptyDims) {
  const Dtype dt = GetParam();
  // k = 0 is an empty sum: zeros.
  Tensor z = ops::matmul(rnd({3, 0}, 1, dt), rnd({0, 4}, 2, dt));
  EXPECT_EQ(z.shape(), (Shape{3, 4}));
  EXPECT_TRUE(equal(z, zeros({3, 4}, {.dtype = dt})));
  EXPECT_EQ(ops::matmul(rnd({0, 3}, 1, dt), rnd({3, 4}, 2, dt)).shape(), (Shape{0, 4}));
  EXPECT_EQ(ops::matmul(rnd({2, 0, 3}, 1, dt), rnd({3, 4}, 2, dt)).shape(), (Shape{2, 0, 4}));
  EXPECT_EQ(ops::matmul(rnd({0}, 1, dt), rnd({0}, 2, dt)).item(), 0.0);
  Tensor lz = ops::linear(rnd({2, 0}, 1, dt), rnd({3, 0}, 2, dt), full({3}, 1.5, {.dtype = dt}));
  EXPECT_TRUE(equal(lz, full({2, 3}, 1.5, {.dtype = dt})));
}

TEST_P(MatmulBothDtypes, LinearMatchesMatmulPlusBias) {
  const Dtype dt = GetParam();
  const Tensor w = rnd({5, 3}, 20, dt);
  const Tensor bias = rnd({5}, 21, dt);
  for (const Shape& xs : {Shape{3}, Shape{4, 3}, Shape{2, 4, 3}, Shape{2, 1, 4, 3}}) {
    const Tensor x = rnd(xs, 22, dt);
    const Tensor want = reference(x, w.t());
    const Tensor got = ops::linear(x, w);
    ASSERT_EQ(got.shape(), want.shape());
    EXPECT_TRUE(allclose(got.to(kFloat64), want, 1e-4, 1e-4));
    const Tensor got_b = ops::linear(x, w, bias);
    EXPECT_TRUE(allclose(got_b.to(kFloat64), want + bias.to(kFloat64), 1e-4, 1e-4)) << xs;
  }
  // Non-contiguous input, weight and bias.
  const Tensor x = rnd({3, 6}, 23, dt).t();                // [6, 3]
  const Tensor wt = rnd({3, 5}, 24, dt).t();               // [5, 3], contiguous transposed weight
  const Tensor bs = rnd({10}, 25, dt).slice(0, 0, 10, 2);  // [5], stride 2
  const Tensor want = reference(x, wt.t()) + bs.to(kFloat64);
  EXPECT_TRUE(allclose(ops::linear(x, wt, bs).to(kFloat64), want, 1e-4, 1e-4));
  const Tensor xp = rnd({4, 2, 3}, 26, dt).permute({1, 0, 2});  // [2, 4, 3], rows not evenly spaced
  EXPECT_TRUE(
      allclose(ops::linear(xp, w, bias).to(kFloat64), reference(xp, w.t()) + bias.to(kFloat64), 1e-4, 1e-4));
}

TEST_P(MatmulBothDtypes, MmAndBmm) {
  const Dtype dt = GetParam();
  const Tensor a = rnd({4, 3}, 30, dt);
  const Tensor b = rnd({3, 6}, 31, dt);
  expect_product(ops::mm(a, b), a, b);
  const Tensor p = rnd({2, 4, 3}, 32, dt);
  const Tensor q = rnd({2, 3, 6}, 33, dt);
  expect_product(ops::bmm(p, q), p, q);
}

INSTANTIATE_TEST_SUITE_P(Linalg, MatmulBothDtypes, ::testing::Values(kFloat32, kFloat64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(Matmul, F32AgreesWithF64) {
  const Tensor a = rnd({3, 37, 61}, 40, kFloat64);
  const Tensor b = rnd({61, 29}, 41, kFloat64);
  const Tensor d = ops::matmul(a, b);
  const Tensor f = ops::matmul(a.to(kFloat32), b.to(kFloat32));
  EXPECT_TRUE(allclose(f.to(kFloat64), d, 1e-4, 1e-4));
  const Tensor w = rnd({17, 61}, 42, kFloat64);
  const Tensor bias = rnd({17}, 43, kFloat64);
  EXPECT_TRUE(allclose(ops::linear(a.to(kFloat32), w.to(kFloat32), bias.to(kFloat32)).to(kFloat64),
                       ops::linear(a, w, bias), 1e-4, 1e-4));
}

TEST(Matmul, LargeShapesAcrossThreadCounts) {
  const int saved = get_num_threads();
  const Tensor a = rnd({300, 257}, 50);
  const Tensor b = rnd({257, 190}, 51);
  const Tensor x = rnd({4, 64, 257}, 52);
  const Tensor w = rnd({129, 257}, 53);
  const Tensor bias = rnd({129}, 54);
  std::vector<Tensor> results;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    results.push_back(ops::matmul(a, b));
    results.push_back(ops::linear(x, w, bias));
    results.push_back(ops::matmul(a.to(kFloat64), b.to(kFloat64)));
  }
  set_num_threads(saved);
  expect_product(results[0], a, b, 1e-3);
  expect_product(results[2], a.to(kFloat64), b.to(kFloat64), 1e-9);
  EXPECT_TRUE(allclose(results[1].to(kFloat64), reference(x, w.t()) + bias.to(kFloat64), 1e-3, 1e-3));
  for (size_t i = 3; i < results.size(); ++i) {
    EXPECT_TRUE(allclose(results[i], results[i % 3], 1e-5, 1e-5)) << "result " << i;
  }
}

TEST(Matmul, RepeatedAndConcurrentCallsAgree) {
  // The primitive cache is shared: threads with different shapes must each get their own result.
  const Tensor a = rnd({33, 20}, 60);
  const Tensor b = rnd({20, 17}, 61);
  const Tensor first = ops::matmul(a, b);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(equal(ops::matmul(a, b), first));
  std::vector<std::thread> workers;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([t, &ok] {
      const Tensor x = rnd({8 + t, 5 + t}, 70 + t);
      const Tensor y = rnd({5 + t, 3 + 2 * t}, 80 + t);
      const Tensor want = reference(x, y);
      bool all = true;
      for (int i = 0; i < 50; ++i) all = all && allclose(ops::matmul(x, y).to(kFloat64), want, 1e-4, 1e-4);
      ok[t] = all ? 1 : 0;
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
}

TEST(Matmul, RecordsOnlyWhenNeeded) {
  const Tensor a = rnd({2, 3}, 1);
  const Tensor b = rnd({3, 4}, 2);
  EXPECT_FALSE(ops::matmul(a, b).requires_grad());
  const Tensor ag = a.detach().requires_grad_();
  EXPECT_TRUE(ops::matmul(ag, b).requires_grad());
  EXPECT_TRUE(ops::linear(ag, b.t()).requires_grad());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(ops::matmul(ag, b).requires_grad());
  }
}

TEST(Matmul, BackwardValues) {
  // d(sum(A @ B))/dA = 1 @ B^T, d/dB = A^T @ 1; checked by hand on a small case.
  Tensor a = from_vector<float>({1, 2, 3, 4}, {2, 2}, true);
  Tensor b = from_vector<float>({5, 6, 7, 8}, {2, 2}, true);
  ops::matmul(a, b).sum().backward();
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{11, 15, 11, 15}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{4, 4, 6, 6}));
  Tensor x = from_vector<float>({1, 2}, {2}, true);
  Tensor w = from_vector<float>({1, 0, 2, 1, 3, 1}, {3, 2}, true);
  Tensor bias = from_vector<float>({0, 0, 0}, {3}, true);
  ops::linear(x, w, bias).sum().backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{6, 2}));
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(bias.grad().to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

// Runs f and returns the message of the strata::Error it throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Matmul, ErrorMessagesNameShapes) {
  EXPECT_EQ(error_of([] {
              ops::matmul(zeros({2, 3}), zeros({4, 5}));
            }),
            "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)");
  EXPECT_EQ(error_of([] { ops::matmul(zeros({3}), zeros({4})); }),
            "matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
  EXPECT_EQ(error_of([] {
              ops::matmul(zeros({2, 3}), zeros({2}));
            }),
            "matmul: shapes [2, 3] and [2] cannot be multiplied (3 != 2)");
  EXPECT_THAT(error_of([] {
                ops::matmul(zeros({2, 2, 3}), zeros({3, 3, 4}));
              }),
              ::testing::HasSubstr("matmul: batch dimensions of shapes [2, 2, 3] and [3, 3, 4]"));
  EXPECT_THAT(
      error_of([] { ops::matmul(scalar_tensor(1.0), zeros({3})); }),
      ::testing::HasSubstr("matmul: both arguments need at least 1 dimension, got shapes [] and [3]"));
  EXPECT_EQ(error_of([] {
              ops::matmul(zeros({2, 2}, {.dtype = kInt64}), zeros({2, 2}, {.dtype = kInt64}));
            }),
            "matmul: dtype i64 is not supported (matrix products need f32 or f64)");
  EXPECT_THAT(error_of([] {
                ops::matmul(zeros({2, 2}), zeros({2, 2}, {.dtype = kFloat64}));
              }),
              ::testing::HasSubstr("matmul: expected both operands to have the same dtype, got f32 and f64"));
  EXPECT_THAT(error_of([] { ops::matmul(Tensor(), zeros({2})); }), ::testing::HasSubstr("matmul: undefined"));
}

TEST(Matmul, MmBmmLinearErrors) {
  EXPECT_EQ(error_of([] {
              ops::mm(zeros({2, 3, 4}), zeros({4, 5}));
            }),
            "mm: expected 2-D tensors, got shapes [2, 3, 4] and [4, 5]");
  EXPECT_EQ(error_of([] {
              ops::mm(zeros({2, 3}), zeros({4, 5}));
            }),
            "mm: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)");
  EXPECT_EQ(error_of([] {
              ops::bmm(zeros({2, 3}), zeros({2, 3, 4}));
            }),
            "bmm: expected 3-D tensors, got shapes [2, 3] and [2, 3, 4]");
  EXPECT_EQ(error_of([] {
              ops::bmm(zeros({2, 3, 4}), zeros({3, 4, 5}));
            }),
            "bmm: batch sizes differ in shapes [2, 3, 4] and [3, 4, 5] (2 != 3)");
  EXPECT_EQ(error_of([] {
              ops::bmm(zeros({2, 3, 4}), zeros({2, 5, 5}));
            }),
            "bmm: shapes [2, 3, 4] and [2, 5, 5] cannot be multiplied (4 != 5)");
  EXPECT_EQ(error_of([] {
              ops::linear(zeros({2, 3}), zeros({4, 5}));
            }),
            "linear: input of shape [2, 3] does not match weight of shape [4, 5] (3 != 5 input features)");
  EXPECT_EQ(error_of([] {
              ops::linear(zeros({2, 3}), zeros({3}));
            }),
            "linear: weight must be 2-D [out, in], got shape [3]");
  EXPECT_EQ(error_of([] {
              ops::linear(zeros({2, 3}), zeros({4, 3}), zeros({3}));
            }),
            "linear: bias of shape [3] does not match weight of shape [4, 3] (expected [4])");
  EXPECT_THAT(error_of([] {
                ops::linear(zeros({2, 3}), zeros({4, 3}), zeros({4}, {.dtype = kFloat64}));
              }),
              ::testing::HasSubstr("linear: bias (f64 on cpu) must match the input (f32 on cpu)"));
  EXPECT_THAT(error_of([] {
                ops::linear(zeros({2, 3}, {.dtype = kUInt8}), zeros({4, 3}, {.dtype = kUInt8}));
              }),
              ::testing::HasSubstr("linear: dtype u8 is not supported"));
}

}  // namespace
}  // namespace strata
