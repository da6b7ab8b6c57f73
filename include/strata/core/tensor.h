#pragma once
// Tensor: a cheap handle (intrusive refcount) to shared storage plus shape, strides, offset and dtype.
// Views (reshape, transpose, slice, expand, ...) share storage; math lives in strata::ops and is
// mirrored here as methods for convenience.
#include <cstdint>
#include <memory>
#include <ostream>
#include <type_traits>
#include <vector>

#include "strata/core/device.h"
#include "strata/core/dtype.h"
#include "strata/core/error.h"
#include "strata/core/intrusive_ptr.h"
#include "strata/core/shape.h"
#include "strata/core/storage.h"

namespace strata {

namespace autograd {
class Node;
}

class TensorImpl : public RefCounted {
 public:
  TensorImpl(IntrusivePtr<Storage> storage, Shape shape, Strides strides, int64_t offset, Dtype dtype)
      : storage(std::move(storage)), shape(shape), strides(strides), offset(offset), dtype(dtype) {}

  IntrusivePtr<Storage> storage;
  Shape shape;
  Strides strides;
  int64_t offset = 0;  // in elements
  Dtype dtype;
  bool requires_grad = false;
  std::shared_ptr<autograd::Node> grad_fn;  // set on outputs of recorded ops
  IntrusivePtr<TensorImpl> grad;            // accumulated gradient of a leaf
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return static_cast<bool>(impl_); }
  const Shape& shape() const { return impl_->shape; }
  const Strides& strides() const { return impl_->strides; }
  // Size of one dim; negative dims count from the end.
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t numel() const { return impl_->shape.numel(); }
  int64_t offset() const { return impl_->offset; }
  Dtype dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  size_t element_size() const { return strata::element_size(impl_->dtype); }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(impl_->dtype); }
  TensorImpl* impl() const { return impl_.get(); }
  const IntrusivePtr<TensorImpl>& impl_ptr() const { return impl_; }
  Storage& storage() const { return *impl_->storage; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // Pointer to the first element (offset applied).
  void* raw_data() const;
  // Typed pointer to the first element; throws if T does not match dtype().
  template <typename T>
  T* data_ptr() const {
    check_dtype(DtypeOf<T>::value, "data_ptr");
    return static_cast<T*>(raw_data());
  }

  // ---- element access (for tests and small tensors) -----------------------------------------
  // The value of a one-element tensor.
  double item() const;
  // The value as T; 64-bit integers are read exactly (an i64 above 2^53 does not pass through double).
  template <typename T>
  T item() const {
    if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
      (void)item();  // the checks: defined, one element
      return static_cast<T>(to_vector<int64_t>()[0]);
    } else {
      return static_cast<T>(item());
    }
  }
  // The element at `index` (one entry per dim), as double.
  double at(const Shape& index) const;
  // Writes `value` at `index` (bumps the version like any in-place write).
  void set_at(const Shape& index, double value);
  // All elements in row-major order, converted to T.
  template <typename T>
  std::vector<T> to_vector() const;

  // ---- views and copies (ops/view.cpp) --------------------------------------------------------
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor permute(const Shape& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Dtype dtype) const;
  Tensor to(Device device) const;
  Tensor detach() const;

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const { return impl_->requires_grad; }
  // Marks a leaf as needing gradients.
  Tensor& requires_grad_(bool requires_grad = true);
  // The accumulated gradient (undefined until a backward reaches this leaf).
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  // Drops the accumulated gradient.
  void zero_grad();
  bool is_leaf() const { return !impl_->grad_fn; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl_->grad_fn; }
  // Backpropagates from this tensor; `gradient` is required unless it has one element.
  void backward(const Tensor& gradient = {}, bool retain_graph = false, bool create_graph = false) const;

  // ---- in-place (ops/inplace.cpp); refused on tensors autograd still needs --------------------
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double value);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double value);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);

  // ---- math (thin wrappers over strata::ops) --------------------------------------------------
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor pow(double exponent) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  Tensor argmax() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

 private:
  void check_dtype(Dtype expected, const char* what) const;
  IntrusivePtr<TensorImpl> impl_;
};

// Arithmetic operators (broadcasting, differentiable); defined in ops/elementwise.cpp.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

// Prints like PyTorch: values (summarised when large), dtype when not f32, requires_grad.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Elementwise |a - b| <= atol + rtol * |b| with equal shapes (NaNs equal when equal_nan).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);
// Same shape and exactly equal values.
bool equal(const Tensor& a, const Tensor& b);

}  // namespace strata
