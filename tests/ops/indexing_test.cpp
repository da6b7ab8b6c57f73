// Forward values and error messages of joining, splitting, gathering and scattering ops.
#include <gmock/gmock.h>

#include "test_util.h"

namespace strata {
namespace {

using ::testing::HasSubstr;

template <typename T>
std::vector<T> vals(const Tensor& t) {
  return t.to_vector<T>();
}

std::vector<float> fvals(const Tensor& t) { return t.to_vector<float>(); }

Tensor idx(const std::vector<int64_t>& v, const Shape& shape) { return from_vector<int64_t>(v, shape); }
Tensor idx(const std::vector<int64_t>& v) { return from_vector<int64_t>(v); }

// Runs f, expecting strata::Error whose message contains every part.
template <typename F>
void expect_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected strata::Error containing " << parts[0];
  } catch (const Error& e) {
    for (const std::string& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

// ---- cat / stack ---------------------------------------------------------------------------------

TEST(Cat, AlongEachDimIncludingNegative) {
  Tensor a = arange(6).reshape({2, 3});
  Tensor b = arange(6, 9).reshape({1, 3});
  Tensor c0 = ops::cat({a, b}, 0);
  EXPECT_EQ(c0.shape(), (Shape{3, 3}));
  EXPECT_EQ(fvals(c0), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  Tensor d = full({2, 1}, -1.0);
  Tensor c1 = ops::cat({a, d}, -1);
  EXPECT_EQ(c1.shape(), (Shape{2, 4}));
  EXPECT_EQ(fvals(c1), (std::vector<float>{0, 1, 2, -1, 3, 4, 5, -1}));
  EXPECT_TRUE(equal(ops::cat({a, d, a}, 1), ops::cat({a, d, a}, -1)));
  EXPECT_EQ(ops::cat({a}, 0).shape(), (Shape{2, 3}));
}

TEST(Cat, SkipsEmptyOneDimTensorsButNotOtherEmptyShapes) {
  Tensor a = arange(6).reshape({2, 3});
  Tensor e = empty({0});
  Tensor c = ops::cat({e, a, e, a}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 6}));
  EXPECT_EQ(fvals(c), (std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  // A [0, 3] tensor takes part: it must match in the other dims.
  EXPECT_EQ(ops::cat({a, zeros({0, 3})}, 0).shape(), (Shape{2, 3}));
  EXPECT_THROW(ops::cat({a, zeros({0, 2})}, 0), Error);
  // Only skipped tensors: an empty 1-D result.
  EXPECT_EQ(ops::cat({e, e}, 0).shape(), (Shape{0}));
}

TEST(Cat, PromotesDtypes) {
  Tensor i = idx({1, 2});
  Tensor f = from_vector<float>({0.5f});
  Tensor c = ops::cat({i, f});
  EXPECT_EQ(c.dtype(), kFloat32);
  EXPECT_EQ(fvals(c), (std::vector<float>{1, 2, 0.5f}));
  Tensor d = ops::cat({f, from_vector<double>({1.25})});
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(vals<double>(d), (std::vector<double>{0.5, 1.25}));
  EXPECT_EQ(ops::cat({i, idx({7})}).dtype(), kInt64);
  EXPECT_EQ(vals<int64_t>(ops::cat({i, idx({7})})), (std::vector<int64_t>{1, 2, 7}));
}

TEST(Cat, NonContiguousInputs) {
  Tensor a = arange(6).reshape({2, 3}).t();  // [3, 2]
  Tensor b = arange(10, 16).reshape({3, 2});
  Tensor c = ops::cat({a, b}, 1);
  EXPECT_EQ(fvals(c), (std::vector<float>{0, 3, 10, 11, 1, 4, 12, 13, 2, 5, 14, 15}));
  Tensor s = arange(12).reshape({6, 2}).slice(0, 0, 6, 2);  // rows 0, 2, 4
  EXPECT_EQ(fvals(ops::cat({s, s}, 0)), (std::vector<float>{0, 1, 4, 5, 8, 9, 0, 1, 4, 5, 8, 9}));
}

TEST(Cat, LargeInputsMatchSlices) {
  // Sizes that take the threaded paths: many outer rows, and few long blocks.
  Tensor a = randn({300, 200}), b = randn({300, 57}), c = randn({300, 3}).to(kFloat64);
  Tensor out = ops::cat({a, b, c}, 1);
  EXPECT_EQ(out.dtype(), kFloat64);
  EXPECT_TRUE(equal(out.narrow(1, 0, 200), a.to(kFloat64)));
  EXPECT_TRUE(equal(out.narrow(1, 200, 57), b.to(kFloat64)));
  EXPECT_TRUE(equal(out.narrow(1, 257, 3), c));
  Tensor x = randn({2, 300000}), y = randn({1, 300000});
  Tensor r = ops::cat({x, y, x}, 0);
  EXPECT_TRUE(equal(r.narrow(0, 0, 2), x));
  EXPECT_TRUE(equal(r.narrow(0, 2, 1), y));
  EXPECT_TRUE(equal(r.narrow(0, 3, 2), x));
  Tensor z = randn({3, 100000});
  Tensor rz = ops::cat({z, z}, 1);
  EXPECT_TRUE(equal(rz.narrow(1, 100000, 100000), z));
}

TEST(Cat, Errors) {
  expect_error([] { ops::cat({}); }, {"cat:", "non-empty"});
  expect_error(
      [] {
        ops::cat({zeros({2, 3}), zeros({2, 4})}, 0);
      },
      {"cat:", "tensor 1", "[2, 4]", "[2, 3]", "dim 1"});
  expect_error([] { ops::cat({zeros({2, 3}), zeros({2, 3, 1})}, 0); }, {"cat:", "tensor 1", "3 dims"});
  expect_error([] { ops::cat({zeros({2}), scalar_tensor(1.0)}); }, {"cat:", "tensor 1", "zero-dimensional"});
  expect_error([] { ops::cat({zeros({2, 3})}, 2); }, {"cat:", "dim 2"});
}

TEST(Stack, NewDimAnywhere) {
  Tensor a = arange(3), b = arange(3, 6);
  Tensor s0 = ops::stack({a, b});
  EXPECT_EQ(s0.shape(), (Shape{2, 3}));
  EXPECT_EQ(fvals(s0), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  Tensor s1 = ops::stack({a, b}, 1);
  EXPECT_EQ(s1.shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals(s1), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_TRUE(equal(ops::stack({a, b}, -1), s1));
  EXPECT_EQ(ops::stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape(), (Shape{2}));
  EXPECT_EQ(ops::stack({zeros({0}), zeros({0})}).shape(), (Shape{2, 0}));
}

TEST(Stack, Errors) {
  expect_error([] { ops::stack({}); }, {"stack:", "non-empty"});
  expect_error(
      [] {
        ops::stack({zeros({2, 3}), zeros({3, 2})});
      },
      {"stack:", "[2, 3]", "tensor 1", "[3, 2]"});
  expect_error([] { ops::stack({zeros({2})}, 2); }, {"stack:", "dim 2"});
}

// ---- split / chunk -------------------------------------------------------------------------------

TEST(Split, BySizeLastPieceSmallerAndViews) {
  Tensor x = arange(10).reshape({5, 2});
  auto parts = ops::split(x, 2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(parts[2].shape(), (Shape{1, 2}));
  EXPECT_EQ(fvals(parts[1]), (std::vector<float>{4, 5, 6, 7}));
  // Views: same storage.
  EXPECT_EQ(&parts[1].storage(), &x.storage());
  auto cols = ops::split(x, 1, -1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(fvals(cols[1]), (std::vector<float>{1, 3, 5, 7, 9}));
  EXPECT_EQ(ops::split(x, 7).size(), 1u);
  EXPECT_EQ(ops::split(zeros({0, 2}), 3).size(), 1u);
}

TEST(Split, BySizes) {
  Tensor x = arange(12).reshape({2, 6});
  auto parts = ops::split(x, std::vector<int64_t>{1, 0, 3, 2}, 1);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1].shape(), (Shape{2, 0}));
  EXPECT_EQ(fvals(parts[2]), (std::vector<float>{1, 2, 3, 7, 8, 9}));
  EXPECT_EQ(fvals(parts[3]), (std::vector<float>{4, 5, 10, 11}));
  // Non-contiguous input.
  auto t = ops::split(x.t(), std::vector<int64_t>{4, 2}, 0);
  EXPECT_EQ(fvals(t[1]), (std::vector<float>{4, 10, 5, 11}));
}

TEST(Split, Errors) {
  expect_error(
      [] {
        ops::split(zeros({4}), std::vector<int64_t>{1, 2});
      },
      {"split:", "[1, 2]", "sum to 3", "size 4"});
  expect_error([] { ops::split(zeros({4}), std::vector<int64_t>{5, -1}); }, {"split:", "non-negative"});
  expect_error([] { ops::split(zeros({4}), 0); }, {"split:", "split_size", "positive"});
  expect_error([] { ops::split(scalar_tensor(1.0), 1); }, {"split:", "0-dim"});
  expect_error([] { ops::split(zeros({4}), 1, 1); }, {"split:", "dim 1"});
}

TEST(Chunk, PyTorchSizes) {
  Tensor x = arange(5);
  auto c = ops::chunk(x, 3);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(fvals(c[0]), (std::vector<float>{0, 1}));
  EXPECT_EQ(fvals(c[2]), (std::vector<float>{4}));
  // 6 into 4: chunks of 2, so only 3 come back (as in PyTorch).
  EXPECT_EQ(ops::chunk(arange(6), 4).size(), 3u);
  auto e = ops::chunk(zeros({2, 0}), 3, -1);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[2].shape(), (Shape{2, 0}));
  auto t = ops::chunk(arange(6).reshape({2, 3}).t(), 2, 1);
  EXPECT_EQ(fvals(t[1]), (std::vector<float>{3, 4, 5}));
}

TEST(Chunk, Errors) {
  expect_error([] { ops::chunk(zeros({4}), 0); }, {"chunk:", "positive", "0"});
  expect_error([] { ops::chunk(scalar_tensor(1.0), 2); }, {"chunk:", "0-dim"});
}

// ---- index_select / index_add --------------------------------------------------------------------

TEST(IndexSelect, RowsColumnsRepeatsAndNegativeDim) {
  Tensor x = arange(12).reshape({3, 4});
  Tensor r = ops::index_select(x, 0, idx({2, 0, 2}));
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_EQ(fvals(r), (std::vector<float>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  Tensor c = ops::index_select(x, -1, idx({3, 1}));
  EXPECT_EQ(c.shape(), (Shape{3, 2}));
  EXPECT_EQ(fvals(c), (std::vector<float>{3, 1, 7, 5, 11, 9}));
  EXPECT_EQ(ops::index_select(x, 0, idx({})).shape(), (Shape{0, 4}));
  Tensor xi = arange(6, {.dtype = kInt64}).reshape({2, 3});
  EXPECT_EQ(vals<int64_t>(ops::index_select(xi, 1, idx({2, 2}))), (std::vector<int64_t>{2, 2, 5, 5}));
  EXPECT_EQ(ops::index_select(x.to(kFloat64), 0, idx({1})).dtype(), kFloat64);
  // A 0-dim x takes one index and stays 0-dim.
  EXPECT_EQ(ops::index_select(scalar_tensor(3.0), 0, idx({0})).item(), 3.0);
}

TEST(IndexSelect, NonContiguousInputAndIndex) {
  Tensor x = arange(12).reshape({3, 4}).t();  // [4, 3]
  EXPECT_EQ(fvals(ops::index_select(x, 0, idx({3, 0}))), (std::vector<float>{3, 7, 11, 0, 4, 8}));
  EXPECT_EQ(fvals(ops::index_select(x, 1, idx({2, 2, 0}))),
            (std::vector<float>{8, 8, 0, 9, 9, 1, 10, 10, 2, 11, 11, 3}));
  Tensor strided_index = idx({2, 9, 0, 9, 1, 9}).slice(0, 0, 6, 2);  // {2, 0, 1}
  EXPECT_EQ(fvals(ops::index_select(arange(4), 0, strided_index)), (std::vector<float>{2, 0, 1}));
}

TEST(IndexSelect, LargeMatchesRowByRow) {
  Tensor x = randn({500, 64});
  Tensor i = randint(0, 500, {2000});
  Tensor out = ops::index_select(x, 0, i);
  const auto iv = vals<int64_t>(i);
  for (int64_t k : {0, 1, 999, 1999}) EXPECT_TRUE(equal(out.select(0, k), x.select(0, iv[k])));
  // Along the last dim of a large tensor (one element per row) and of a transposed one.
  Tensor cols = ops::index_select(x, 1, idx({63, 0}));
  EXPECT_TRUE(equal(cols.select(1, 0), x.select(1, 63)));
  Tensor xt = randn({64, 800}).t();
  Tensor rows = ops::index_select(xt, 0, i);
  for (int64_t k : {0, 1500}) EXPECT_TRUE(equal(rows.select(0, k), xt.select(0, iv[k])));
}

TEST(IndexSelect, Errors) {
  Tensor x = zeros({3, 4});
  expect_error(
      [&] {
        ops::index_select(x, 0, idx({0, 5}));
      },
      {"index_select:", "index 5", "out of bounds", "dim 0", "size 3", "[3, 4]"});
  expect_error([&] { ops::index_select(x, 1, idx({-1})); }, {"index_select:", "index -1", "size 4"});
  expect_error([&] { ops::index_select(x, 0, from_vector<float>({0})); }, {"index_select:", "i64", "f32"});
  expect_error([&] { ops::index_select(x, 0, idx({0, 1}, {1, 2})); }, {"index_select:", "1-D", "[1, 2]"});
  expect_error([&] { ops::index_select(x, 2, idx({0})); }, {"index_select:", "dim 2"});
}

TEST(IndexAdd, RepeatedIndicesAccumulate) {
  Tensor x = ones({3, 2});
  Tensor src = arange(8).reshape({4, 2});
  Tensor out = ops::index_add(x, 0, idx({2, 0, 2, 2}), src);
  // Row 2 gets rows 0, 2 and 3 of src; row 0 gets row 1; row 1 untouched.
  EXPECT_EQ(fvals(out), (std::vector<float>{3, 4, 1, 1, 11, 14}));
  EXPECT_EQ(fvals(x), (std::vector<float>(6, 1)));  // out of place
  Tensor c = ops::index_add(zeros({2, 3}, {.dtype = kInt64}), -1, idx({1, 1}),
                            from_vector<int64_t>({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(vals<int64_t>(c), (std::vector<int64_t>{0, 3, 0, 0, 7, 0}));
  Tensor d =
      ops::index_add(zeros({2}, {.dtype = kFloat64}), 0, idx({1, 1, 1}), full({3}, 0.5, {.dtype = kFloat64}));
  EXPECT_EQ(vals<double>(d), (std::vector<double>{0, 1.5}));
}

TEST(IndexAdd, NonContiguousOperands) {
  Tensor x = zeros({2, 3}).t();                // [3, 2]
  Tensor src = arange(4).reshape({2, 2}).t();  // [[0, 2], [1, 3]]
  Tensor out = ops::index_add(x, 0, idx({0, 0}), src);
  EXPECT_EQ(fvals(out), (std::vector<float>{1, 5, 0, 0, 0, 0}));
  Tensor out1 = ops::index_add(x, 1, idx({1, 0}), arange(6).reshape({3, 2}));
  EXPECT_EQ(fvals(out1), (std::vector<float>{1, 0, 3, 2, 5, 4}));
}

TEST(IndexAdd, LargeWithManyRepeatsMatchesCounts) {
  // Many source rows onto few destination rows (the owner-computes path) and a wide case.
  const int64_t k = 50000;
  Tensor i = randint(0, 7, {k});
  Tensor out = ops::index_add(zeros({7, 3}, {.dtype = kFloat64}), 0, i, ones({k, 3}, {.dtype = kFloat64}));
  std::vector<double> counts(7, 0);
  for (int64_t v : vals<int64_t>(i)) counts[v] += 1;
  for (int64_t r = 0; r < 7; ++r) {
    for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(out.at({r, c}), counts[r]);
  }
  Tensor wide = ops::index_add(zeros({5, 4096}), 0, idx({1, 1, 4, 1}), ones({4, 4096}));
  EXPECT_EQ(wide.sum().item(), 4.0 * 4096);
  EXPECT_EQ(wide.at({1, 4095}), 3.0);
  EXPECT_EQ(wide.at({4, 17}), 1.0);
}

TEST(IndexAdd, Errors) {
  Tensor x = zeros({3, 2});
  expect_error([&] { ops::index_add(x, 0, idx({3}), zeros({1, 2})); }, {"index_add:", "index 3", "size 3"});
  expect_error(
      [&] {
        ops::index_add(x, 0, idx({0, 1}), zeros({3, 2}));
      },
      {"index_add:", "[3, 2]", "3 entries", "index has 2"});
  expect_error(
      [&] {
        ops::index_add(x, 0, idx({0}), zeros({1, 3}));
      },
      {"index_add:", "[1, 3]", "[3, 2]", "dim 1"});
  expect_error(
      [&] {
        ops::index_add(x, 0, idx({0}), zeros({1, 2}, {.dtype = kFloat64}));
      },
      {"index_add:", "f64", "f32"});
  expect_error([&] { ops::index_add(x, 0, idx({0}), zeros({2})); }, {"index_add:", "as many dims"});
  expect_error([&] { ops::index_add(x, 0, from_vector<double>({0}), zeros({1, 2})); }, {"index_add:", "i64"});
}

// ---- gather / scatter ----------------------------------------------------------------------------

TEST(Gather, AlongEachDim) {
  Tensor x = arange(6).reshape({2, 3});
  Tensor g1 = ops::gather(x, 1, idx({2, 0, 1, 1}, {2, 2}));
  EXPECT_EQ(g1.shape(), (Shape{2, 2}));
  EXPECT_EQ(fvals(g1), (std::vector<float>{2, 0, 4, 4}));
  Tensor g0 = ops::gather(x, 0, idx({1, 0, 1}, {1, 3}));
  EXPECT_EQ(fvals(g0), (std::vector<float>{3, 1, 5}));
  EXPECT_TRUE(equal(ops::gather(x, -1, idx({2, 0, 1, 1}, {2, 2})), g1));
  // Index smaller than x in the other dims.
  EXPECT_EQ(fvals(ops::gather(x, 1, idx({1}, {1, 1}))), (std::vector<float>{1}));
  Tensor xi = arange(4, {.dtype = kInt64});
  EXPECT_EQ(vals<int64_t>(ops::gather(xi, 0, idx({3, 3, 0}))), (std::vector<int64_t>{3, 3, 0}));
  EXPECT_EQ(ops::gather(x, 1, zeros({2, 0}, {.dtype = kInt64})).shape(), (Shape{2, 0}));
}

TEST(Gather, NonContiguousInputAndIndex) {
  Tensor x = arange(6).reshape({2, 3}).t();        // [[0, 3], [1, 4], [2, 5]]
  Tensor i = idx({1, 0, 0, 1, 1, 1}, {2, 3}).t();  // [[1, 1], [0, 1], [0, 1]]
  EXPECT_EQ(fvals(ops::gather(x, 1, i)), (std::vector<float>{3, 3, 1, 4, 2, 5}));
  EXPECT_EQ(fvals(ops::gather(x, 0, i)), (std::vector<float>{1, 4, 0, 4, 0, 4}));
}

TEST(Gather, LargeMatchesElementwise) {
  Tensor x = randn({300, 200});
  Tensor i = randint(0, 200, {300, 150});
  Tensor g = ops::gather(x, 1, i);
  for (int64_t r : {0, 123, 299}) {
    for (int64_t c : {0, 77, 149}) {
      EXPECT_EQ(g.at({r, c}), x.at({r, static_cast<int64_t>(i.at({r, c}))}));
    }
  }
  Tensor i0 = randint(0, 300, {250, 200});
  Tensor g0 = ops::gather(x, 0, i0);
  EXPECT_EQ(g0.at({249, 199}), x.at({static_cast<int64_t>(i0.at({249, 199})), 199}));
}

TEST(Gather, Errors) {
  Tensor x = zeros({2, 3});
  expect_error(
      [&] {
        ops::gather(x, 1, idx({0, 3}, {1, 2}));
      },
      {"gather:", "index 3", "out of bounds", "dim 1", "size 3", "[2, 3]"});
  expect_error([&] { ops::gather(x, 0, idx({-1}, {1, 1})); }, {"gather:", "index -1"});
  expect_error([&] { ops::gather(x, 1, idx({0, 1})); }, {"gather:", "index of shape [2]", "as many dims"});
  expect_error(
      [&] {
        ops::gather(x, 1, zeros({3, 1}, {.dtype = kInt64}));
      },
      {"gather:", "[3, 1]", "larger", "dim 0"});
  expect_error([&] { ops::gather(x, 1, zeros({2, 1}, {.dtype = kUInt8})); }, {"gather:", "i64", "u8"});
}

TEST(Scatter, WritesSrcAndValue) {
  Tensor x = zeros({3, 4});
  Tensor src = arange(1, 9).reshape({2, 4});
  Tensor s0 = ops::scatter(x, 0, idx({0, 1, 2, 0, 2, 0, 1, 1}, {2, 4}), src);
  EXPECT_EQ(fvals(s0), (std::vector<float>{1, 6, 0, 4, 0, 2, 7, 8, 5, 0, 3, 0}));
  // src larger than index: only index's extent is used.
  Tensor s1 = ops::scatter(x, 1, idx({3, 1}, {2, 1}), src);
  EXPECT_EQ(fvals(s1), (std::vector<float>{0, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0}));
  Tensor v = ops::scatter(ones({2, 3}), -1, idx({0, 2, 1, 1}, {2, 2}), -2.0);
  EXPECT_EQ(fvals(v), (std::vector<float>{-2, 1, -2, 1, -2, 1}));
  Tensor vi = ops::scatter(zeros({3}, {.dtype = kInt64}), 0, idx({2}), 7.0);
  EXPECT_EQ(vals<int64_t>(vi), (std::vector<int64_t>{0, 0, 7}));
  EXPECT_EQ(fvals(x), (std::vector<float>(12, 0)));  // out of place
}

TEST(Scatter, NonContiguousOperands) {
  Tensor x = zeros({4, 2}).t();                // [2, 4]
  Tensor src = arange(4).reshape({2, 2}).t();  // [[0, 2], [1, 3]]
  Tensor i = idx({3, 0, 1, 2}, {2, 2}).t();    // [[3, 1], [0, 2]]
  EXPECT_EQ(fvals(ops::scatter(x, 1, i, src)), (std::vector<float>{0, 2, 0, 0, 1, 0, 3, 0}));
  EXPECT_EQ(fvals(ops::scatter_add(x, 1, i, src)), (std::vector<float>{0, 2, 0, 0, 1, 0, 3, 0}));
}

TEST(ScatterAdd, RepeatedIndicesAccumulate) {
  Tensor x = ones({2, 3}, {.dtype = kFloat64});
  Tensor src = full({2, 4}, 0.5, {.dtype = kFloat64});
  Tensor out = ops::scatter_add(x, 1, idx({0, 0, 2, 0, 1, 1, 1, 1}, {2, 4}), src);
  EXPECT_EQ(vals<double>(out), (std::vector<double>{2.5, 1, 1.5, 1, 3, 1}));
  Tensor c =
      ops::scatter_add(zeros({3}, {.dtype = kInt64}), 0, idx({1, 1, 0}), from_vector<int64_t>({5, 6, 7, 8}));
  EXPECT_EQ(vals<int64_t>(c), (std::vector<int64_t>{7, 11, 0}));
  // Large, with every column hitting few rows: threads split the columns only.
  Tensor big = ops::scatter_add(zeros({4, 5000}), 0, randint(0, 4, {64, 5000}), ones({64, 5000}));
  EXPECT_EQ(big.sum({0}).to_vector<float>(), std::vector<float>(5000, 64.0f));
}

TEST(Scatter, Errors) {
  Tensor x = zeros({2, 3});
  expect_error([&] { ops::scatter(x, 1, idx({3}, {1, 1}), 1.0); }, {"scatter:", "index 3", "size 3"});
  expect_error(
      [&] {
        ops::scatter(x, 1, idx({0, 1}, {1, 2}), zeros({1, 1}));
      },
      {"scatter:", "[1, 2]", "larger than src", "[1, 1]"});
  expect_error(
      [&] {
        ops::scatter(x, 0, idx({0}, {1, 1}), zeros({1, 1}, {.dtype = kFloat64}));
      },
      {"scatter:", "f64", "f32"});
  expect_error([&] { ops::scatter_add(x, 1, idx({5}, {1, 1}), ones({1, 1})); }, {"scatter_add:", "index 5"});
  expect_error([&] { ops::scatter_add(x, 1, idx({0}), ones({1})); }, {"scatter_add:", "as many dims"});
  expect_error(
      [&] {
        ops::scatter_add(x, 0, zeros({1, 4}, {.dtype = kInt64}), ones({1, 4}));
      },
      {"scatter_add:", "larger than x", "dim 1"});
}

TEST(Gather, ZeroDimOperandsActAsOneElement) {
  EXPECT_EQ(ops::gather(scalar_tensor(5.0), 0, idx({0}, {})).item(), 5.0);
  EXPECT_EQ(ops::index_add(scalar_tensor(1.0), 0, idx({0}), scalar_tensor(2.0)).item(), 3.0);
  EXPECT_EQ(ops::scatter(scalar_tensor(1.0), 0, idx({0}, {}), scalar_tensor(4.0)).item(), 4.0);
  EXPECT_EQ(ops::scatter_add(scalar_tensor(1.0), 0, idx({0}, {}), scalar_tensor(4.0)).item(), 5.0);
  EXPECT_EQ(ops::index_select(zeros({2, 3}), 0, idx({1}, {})).shape(), (Shape{1, 3}));
}

// ---- masked_fill / one_hot / embedding / pad -----------------------------------------------------

TEST(MaskedFill, BroadcastMaskAndDtypes) {
  Tensor x = arange(6).reshape({2, 3});
  Tensor m = from_vector<uint8_t>({1, 0, 1});
  EXPECT_EQ(fvals(ops::masked_fill(x, m, -1.0)), (std::vector<float>{-1, 1, -1, -1, 4, -1}));
  Tensor col = from_vector<uint8_t>({0, 1}, {2, 1});
  EXPECT_EQ(fvals(ops::masked_fill(x.to(kFloat64), col, 9.0)), (std::vector<float>{0, 1, 2, 9, 9, 9}));
  Tensor xi = arange(4, {.dtype = kInt64});
  EXPECT_EQ(vals<int64_t>(ops::masked_fill(xi, ops::gt(xi, 1.0), 0.0)), (std::vector<int64_t>{0, 1, 0, 0}));
  // Non-contiguous x.
  EXPECT_EQ(fvals(ops::masked_fill(x.t(), from_vector<uint8_t>({1, 0}), 5.0)),
            (std::vector<float>{5, 3, 5, 4, 5, 5}));
}

TEST(MaskedFill, Errors) {
  expect_error([] { ops::masked_fill(zeros({2}), zeros({2}), 1.0); }, {"masked_fill:", "u8", "f32"});
  expect_error(
      [] {
        ops::masked_fill(zeros({2, 3}), zeros({2}, {.dtype = kUInt8}), 1.0);
      },
      {"masked_fill:", "[2, 3]", "[2]"});
}

TEST(OneHot, InferredAndExplicitClasses) {
  Tensor o = ops::one_hot(idx({0, 2, 1}));
  EXPECT_EQ(o.dtype(), kInt64);
  EXPECT_EQ(o.shape(), (Shape{3, 3}));
  EXPECT_EQ(vals<int64_t>(o), (std::vector<int64_t>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
  Tensor o2 = ops::one_hot(idx({1, 0}, {2, 1}), 4);
  EXPECT_EQ(o2.shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(vals<int64_t>(o2), (std::vector<int64_t>{0, 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(vals<int64_t>(ops::one_hot(idx({3, 0, 1, 2}, {2, 2}).t(), 4)),
            (std::vector<int64_t>{0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(ops::one_hot(idx({}), 5).shape(), (Shape{0, 5}));
}

TEST(OneHot, Errors) {
  expect_error([] { ops::one_hot(idx({0, -1})); }, {"one_hot:", "non-negative", "-1"});
  expect_error([] { ops::one_hot(idx({0, 3}), 3); }, {"one_hot:", "class value 3", "num_classes = 3"});
  expect_error([] { ops::one_hot(idx({})); }, {"one_hot:", "empty"});
  expect_error([] { ops::one_hot(zeros({2})); }, {"one_hot:", "i64", "f32"});
}

TEST(Embedding, RowsForAnyIndexShape) {
  Tensor w = arange(8).reshape({4, 2});
  Tensor e = ops::embedding(idx({3, 0, 3, 1}, {2, 2}), w);
  EXPECT_EQ(e.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(fvals(e), (std::vector<float>{6, 7, 0, 1, 6, 7, 2, 3}));
  EXPECT_EQ(fvals(ops::embedding(idx({2}, {}), w)), (std::vector<float>{4, 5}));
  // Non-contiguous weight and indices.
  Tensor wt = arange(8).reshape({2, 4}).t();  // [4, 2]
  EXPECT_EQ(fvals(ops::embedding(idx({1, 0}, {2, 1}).t(), wt)), (std::vector<float>{1, 5, 0, 4}));
}

TEST(Embedding, GradientAccumulatesRepeatedRows) {
  Tensor w = zeros({4, 2}).requires_grad_();
  Tensor e = ops::embedding(idx({3, 0, 3, 3}, {2, 2}), w);
  e.sum().backward();
  EXPECT_EQ(fvals(w.grad()), (std::vector<float>{1, 1, 0, 0, 0, 0, 3, 3}));
}

TEST(Embedding, Errors) {
  Tensor w = zeros({4, 2});
  expect_error([&] { ops::embedding(idx({1, 4}), w); }, {"embedding:", "index 4", "size 4"});
  expect_error([&] { ops::embedding(zeros({2}), w); }, {"embedding:", "indices", "i64", "f32"});
  expect_error([&] { ops::embedding(idx({1}), zeros({4})); }, {"embedding:", "2-D", "[4]"});
}

TEST(Pad, LastDimsFirstWithValue) {
  Tensor x = arange(1, 5).reshape({2, 2});
  Tensor p = ops::pad(x, {1, 0});
  EXPECT_EQ(p.shape(), (Shape{2, 3}));
  EXPECT_EQ(fvals(p), (std::vector<float>{0, 1, 2, 0, 3, 4}));
  Tensor q = ops::pad(x, {0, 1, 1, 0}, -1.0);
  EXPECT_EQ(q.shape(), (Shape{3, 3}));
  EXPECT_EQ(fvals(q), (std::vector<float>{-1, -1, -1, 1, 2, -1, 3, 4, -1}));
  EXPECT_TRUE(equal(ops::pad(x, {}), x));
  Tensor xi = from_vector<int64_t>({5}, {1});
  EXPECT_EQ(vals<int64_t>(ops::pad(xi, {2, 1}, 3.0)), (std::vector<int64_t>{3, 3, 5, 3}));
}

TEST(Pad, NegativePadsCrop) {
  Tensor x = arange(12).reshape({3, 4});
  Tensor c = ops::pad(x, {-1, -2});
  EXPECT_EQ(c.shape(), (Shape{3, 1}));
  EXPECT_EQ(fvals(c), (std::vector<float>{1, 5, 9}));
  Tensor m = ops::pad(x, {-3, 1, 0, -2}, 7.0);  // crop 3 on the left, pad 1 on the right; drop 2 rows
  EXPECT_EQ(m.shape(), (Shape{1, 2}));
  EXPECT_EQ(fvals(m), (std::vector<float>{3, 7}));
  // Non-contiguous input.
  EXPECT_EQ(fvals(ops::pad(x.t(), {0, 0, -3, 1})), (std::vector<float>{3, 7, 11, 0, 0, 0}));
  EXPECT_EQ(ops::pad(x, {-2, -2}).shape(), (Shape{3, 0}));
}

TEST(Pad, Errors) {
  Tensor x = zeros({3, 4});
  expect_error([&] { ops::pad(x, {1}); }, {"pad:", "pairs", "1 values"});
  expect_error([&] { ops::pad(x, {1, 1, 1, 1, 1, 1}); }, {"pad:", "3 (before, after) pairs", "[3, 4]"});
  expect_error([&] { ops::pad(x, {-3, -2}); }, {"pad:", "negative size", "size 4"});
  expect_error([&] { ops::pad(x, {-5, 2}); }, {"pad:", "crop", "size 4"});
}

// ---- autograd plumbing ---------------------------------------------------------------------------

TEST(IndexingAutograd, CatGradientReachesEachInputInItsDtype) {
  Tensor a = ones({2, 2}).requires_grad_();
  Tensor b = ones({2, 1}, {.dtype = kFloat64}).requires_grad_();
  Tensor out = ops::cat({a, empty({0}), b}, 1);
  EXPECT_EQ(out.dtype(), kFloat64);
  out.backward(from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3}));
  EXPECT_EQ(a.grad().dtype(), kFloat32);
  EXPECT_EQ(fvals(a.grad()), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_EQ(vals<double>(b.grad()), (std::vector<double>{3, 6}));
}

TEST(IndexingAutograd, SplitPiecesShareOneGradient) {
  Tensor x = zeros({5}).requires_grad_();
  auto parts = ops::split(x, 2);
  (parts[0].sum() * 1.0 + parts[2].sum() * 3.0).backward();
  EXPECT_EQ(fvals(x.grad()), (std::vector<float>{1, 1, 0, 0, 3}));
}

TEST(IndexingAutograd, IndexChangedInPlaceBeforeBackwardIsCaught) {
  Tensor x = zeros({3}).requires_grad_();
  Tensor i = idx({0, 1});
  Tensor y = ops::index_select(x, 0, i);
  i.set_at({0}, 2.0);
  expect_error([&] { y.sum().backward(); }, {"index_select", "in-place"});
}

}  // namespace
}  // namespace strata
