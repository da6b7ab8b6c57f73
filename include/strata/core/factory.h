#pragma once
// Tensor factories.
#include <vector>

#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata {

struct TensorOptions {
  Dtype dtype = kFloat32;
  Device device = kCPU;
  bool requires_grad = false;
};

// Uninitialised contiguous tensor.
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
// 0-dim tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});
// Values start, start+step, ... below end.
Tensor arange(double end, TensorOptions options = {});
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});
// `steps` values evenly spaced from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
// n x m identity (m = n when negative).
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});
// Uniform on [0, 1).
Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* generator = nullptr);
// Standard normal.
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* generator = nullptr);
// Integers uniform on [low, high); i64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = {.dtype = kInt64},
               Generator* generator = nullptr);

// Copies `values` into a new tensor of `shape` (a 1-D tensor when shape is empty and values are not 1).
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, bool requires_grad = false);
template <typename T>
Tensor from_vector(const std::vector<T>& values) {
  return from_vector(values, Shape{static_cast<int64_t>(values.size())});
}
// Wraps memory owned by the caller without copying; `deleter` (optional) runs when the tensor dies.
Tensor from_blob(void* data, const Shape& shape, Dtype dtype, std::function<void(void*)> deleter = {});

Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor rand_like(const Tensor& t, Generator* generator = nullptr);
Tensor randn_like(const Tensor& t, Generator* generator = nullptr);

}  // namespace strata
