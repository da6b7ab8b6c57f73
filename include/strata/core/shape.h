#pragma once
// Shape: a small inline list of dimension sizes (also used for strides and dim lists); no heap allocation.
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "strata/core/error.h"

namespace strata {

inline constexpr size_t kMaxDims = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.end()); }
  Shape(std::span<const int64_t> dims) { assign(dims.begin(), dims.end()); }
  Shape(const std::vector<int64_t>& dims) { assign(dims.begin(), dims.end()); }
  // A shape of `n` dims all equal to `value`.
  static Shape filled(size_t n, int64_t value) {
    Shape s;
    s.resize(n, value);
    return s;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + size_; }
  int64_t* begin() { return dims_.data(); }
  int64_t* end() { return dims_.data() + size_; }
  const int64_t* data() const { return dims_.data(); }
  int64_t back() const { return dims_[size_ - 1]; }

  void push_back(int64_t v) {
    check_room(size_ + 1);
    dims_[size_++] = v;
  }
  void insert(size_t pos, int64_t v) {
    check_room(size_ + 1);
    std::copy_backward(begin() + pos, end(), end() + 1);
    dims_[pos] = v;
    ++size_;
  }
  void erase(size_t pos) {
    std::copy(begin() + pos + 1, end(), begin() + pos);
    --size_;
  }
  void resize(size_t n, int64_t fill = 0) {
    check_room(n);
    for (size_t i = size_; i < n; ++i) dims_[i] = fill;
    size_ = static_cast<uint8_t>(n);
  }

  // Product of the sizes (1 for a 0-dim shape); throws when it overflows int64 (a product that wrapped
  // would make a tensor smaller than the data meant for it).
  int64_t numel() const {
    int64_t n = 1;
    for (size_t i = 0; i < size_; ++i) {
      if (__builtin_mul_overflow(n, dims_[i], &n)) return overflowed_numel();
    }
    return n;
  }
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  // "[2, 3]".
  std::string str() const;

  bool operator==(const Shape& o) const { return size_ == o.size_ && std::equal(begin(), end(), o.begin()); }

 private:
  template <typename It>
  void assign(It first, It last) {
    size_t n = static_cast<size_t>(std::distance(first, last));
    check_room(n);
    std::copy(first, last, dims_.begin());
    size_ = static_cast<uint8_t>(n);
  }
  // 0 when a later size is 0, else throws naming the shape.
  int64_t overflowed_numel() const;
  static void check_room(size_t n) {
    STRATA_CHECK(n <= kMaxDims, "tensors have at most {} dimensions, got {}", kMaxDims, n);
  }

  std::array<int64_t, kMaxDims> dims_{};
  uint8_t size_ = 0;
};

using Strides = Shape;

std::ostream& operator<<(std::ostream& os, const Shape& shape);

// Contiguous (row-major) strides for a shape.
Strides contiguous_strides(const Shape& shape);
// Wraps a possibly negative dim into [0, ndim); throws naming `op` when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// The broadcast shape of a and b (NumPy rules); throws naming `op` and both shapes when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace strata
