// Gradient checks for indexing ops, w.r.t. every differentiable input: contiguous and non-contiguous
// leaves, repeated indices, and second order through the backward rules (which are ops themselves).
#include "test_util.h"

namespace strata {
namespace {

using autograd::gradcheck;
using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

Tensor idx(const std::vector<int64_t>& v, const Shape& shape) { return from_vector<int64_t>(v, shape); }
Tensor idx(const std::vector<int64_t>& v) { return from_vector<int64_t>(v); }

// d/dx of sum(f(x)^3), itself checked by finite differences: exercises the backward of the backward.
Tensor second_order(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  Tensor y = f(x);
  return autograd::grad((y * y * y).sum(), {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

TEST(IndexingGradcheck, Cat) {
  auto f = [](const Inputs& x) { return ops::cat({x[0], x[1], x[2]}, 1); };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), transposed_input({2, 2}, 2), strided_input({2, 1}, 3));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::cat({x[0], x[1]}, -2);
      },
      strided_input({2, 3}, 4), transposed_input({3, 3}, 5));
  // Skipped empty 1-D tensors and a repeated input.
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::cat({zeros({0}, {.dtype = kFloat64}), x[0], x[0]}, 0);
      },
      input({3}, 6));
  // Mixed dtypes: the f32 input is not checked, the f64 one is.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::cat({ones({2, 1}), x[0]}, 1); }, input({2, 2}, 7));
}

TEST(IndexingGradcheck, Stack) {
  auto f = [](const Inputs& x) { return ops::stack({x[0], x[1]}, 1); };
  EXPECT_GRADCHECK(f, transposed_input({2, 3}, 1), strided_input({2, 3}, 2));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::stack({x[0], x[0] * 2.0}, -1); }, input({3}, 3));
}

TEST(IndexingGradcheck, SplitAndChunk) {
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        auto p = ops::split(x[0], 2, 1);
        return ops::cat({p[0] * 2.0, p[1] * p[1], p[2] * -1.0}, 1);
      },
      transposed_input({2, 5}, 1));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        auto p = ops::split(x[0], std::vector<int64_t>{1, 3}, 0);
        return p[1] * 3.0;  // the first piece gets no gradient
      },
      strided_input({4, 2}, 2));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        auto p = ops::chunk(x[0], 3, -1);
        return ops::cat({p[2], p[0] * p[1]}, -1);
      },
      input({2, 6}, 3));
}

TEST(IndexingGradcheck, IndexSelect) {
  const Tensor rep = idx({2, 0, 2, 2});
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::index_select(x[0], 0, rep); },
                   transposed_input({3, 4}, 1));
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::index_select(x[0], -1, rep); },
                   strided_input({2, 3}, 2));
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::index_select(x[0], 1, rep); }, input({2, 3, 2}, 3));
  // Strided index.
  const Tensor si = idx({1, 7, 1, 7, 0, 7}).slice(0, 0, 6, 2);
  EXPECT_GRADCHECK([si](const Inputs& x) { return ops::index_select(x[0], 0, si); }, input({2, 3}, 4));
}

TEST(IndexingGradcheck, IndexAdd) {
  const Tensor rep = idx({1, 1, 0, 1});
  auto f = [rep](const Inputs& x) { return ops::index_add(x[0], 0, rep, x[1]); };
  EXPECT_GRADCHECK(f, input({3, 2}, 1), input({4, 2}, 2));
  EXPECT_GRADCHECK(f, transposed_input({3, 2}, 3), strided_input({4, 2}, 4));
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::index_add(x[0], -1, rep, x[1]); },
                   strided_input({2, 3}, 5), transposed_input({2, 4}, 6));
  // The product makes the gradient depend on the values the index gathered.
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::index_add(x[0], 0, rep, x[1]) * x[0]; },
                   input({3, 2}, 7), input({4, 2}, 8));
}

TEST(IndexingGradcheck, Gather) {
  const Tensor i1 = idx({2, 2, 0, 1, 1, 1}, {2, 3});
  EXPECT_GRADCHECK([i1](const Inputs& x) { return ops::gather(x[0], 1, i1); }, transposed_input({2, 4}, 1));
  EXPECT_GRADCHECK([i1](const Inputs& x) { return ops::gather(x[0], 0, i1); }, strided_input({3, 4}, 2));
  // Index smaller than x in the other dim, and a transposed (non-contiguous) index.
  const Tensor it = idx({0, 0, 2, 2}, {2, 2}).t();
  EXPECT_GRADCHECK([it](const Inputs& x) { return ops::gather(x[0], -1, it); }, input({3, 3}, 3));
}

TEST(IndexingGradcheck, Scatter) {
  // Indices unique along dim (with repeats the winner is arbitrary and the gradient undefined).
  const Tensor i0 = idx({2, 0, 1, 0, 1, 2}, {2, 3});
  auto f = [i0](const Inputs& x) { return ops::scatter(x[0], 0, i0, x[1]); };
  EXPECT_GRADCHECK(f, input({3, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(f, transposed_input({3, 3}, 3), strided_input({2, 3}, 4));
  // src larger than index: its extra entries get zero gradient.
  const Tensor i1 = idx({3, 1}, {2, 1});
  EXPECT_GRADCHECK([i1](const Inputs& x) { return ops::scatter(x[0], 1, i1, x[1]); },
                   strided_input({2, 4}, 5), input({2, 3}, 6));
  EXPECT_GRADCHECK([i0](const Inputs& x) { return ops::scatter(x[0], 0, i0, 0.5); },
                   transposed_input({3, 3}, 7));
}

TEST(IndexingGradcheck, ScatterAdd) {
  const Tensor rep = idx({1, 1, 0, 1, 2, 2}, {2, 3});
  auto f = [rep](const Inputs& x) { return ops::scatter_add(x[0], 1, rep, x[1]); };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(f, strided_input({2, 3}, 3), transposed_input({2, 4}, 4));
  EXPECT_GRADCHECK([rep](const Inputs& x) { return ops::scatter_add(x[0], 0, rep, x[1]) * x[0]; },
                   transposed_input({3, 3}, 5), input({3, 3}, 6));
}

TEST(IndexingGradcheck, MaskedFill) {
  const Tensor m = from_vector<uint8_t>({1, 0, 0, 1}, {1, 4});
  EXPECT_GRADCHECK([m](const Inputs& x) { return ops::masked_fill(x[0], m, 2.0); },
                   transposed_input({3, 4}, 1));
  EXPECT_GRADCHECK([m](const Inputs& x) { return ops::masked_fill(x[0], m, 0.0); }, strided_input({2, 4}, 2));
  // Mask larger than x: x is broadcast and its gradient summed back.
  const Tensor big = from_vector<uint8_t>({1, 0, 0, 0, 1, 1}, {3, 2});
  EXPECT_GRADCHECK([big](const Inputs& x) { return ops::masked_fill(x[0], big, -1.0); }, input({2}, 3));
}

TEST(IndexingGradcheck, Embedding) {
  const Tensor i = idx({3, 0, 3, 1, 3, 0}, {2, 3});
  EXPECT_GRADCHECK([i](const Inputs& x) { return ops::embedding(i, x[0]); }, input({4, 3}, 1));
  EXPECT_GRADCHECK([i](const Inputs& x) { return ops::embedding(i, x[0]); }, transposed_input({4, 2}, 2));
  EXPECT_GRADCHECK([i](const Inputs& x) { return ops::embedding(i.t(), x[0]); }, strided_input({4, 2}, 3));
}

TEST(IndexingGradcheck, Pad) {
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::pad(x[0], {1, 2}, 3.0); }, transposed_input({2, 3}, 1));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::pad(x[0], {-1, 2, 1, -1}); }, strided_input({3, 4}, 2));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::pad(x[0], {0, 0, 0, 0, 2, 1}); }, input({1, 2, 2}, 3));
}

TEST(IndexingGradcheck, SecondOrder) {
  const Tensor rep = idx({2, 0, 2});
  EXPECT_GRADCHECK(
      [rep](const Inputs& x) {
        return second_order([&](const Tensor& t) { return ops::index_select(t, 0, rep); }, x[0]);
      },
      transposed_input({3, 2}, 1));
  const Tensor gi = idx({1, 1, 0, 2}, {2, 2});
  EXPECT_GRADCHECK(
      [gi](const Inputs& x) {
        return second_order([&](const Tensor& t) { return ops::gather(t, 1, gi); }, x[0]);
      },
      strided_input({2, 3}, 2));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return second_order([](const Tensor& t) { return ops::pad(t, {1, -1}); }, x[0]);
      },
      input({2, 3}, 3));
  const Tensor ei = idx({1, 1, 0});
  EXPECT_GRADCHECK(
      [ei](const Inputs& x) {
        return second_order([&](const Tensor& t) { return ops::embedding(ei, t); }, x[0]);
      },
      input({2, 2}, 4));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return second_order([](const Tensor& t) { return ops::cat({t, t * 2.0}, 0); }, x[0]);
      },
      strided_input({2, 2}, 5));
}

}  // namespace
}  // namespace strata
