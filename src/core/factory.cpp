#include "strata/core/factory.h"

#include <cmath>
#include <cstring>
#include <random>

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata {
namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

void check_shape(const Shape& shape, const char* op) {
  for (int64_t d : shape) STRATA_CHECK(d >= 0, "{}: negative dimension in shape {}", op, shape.str());
}

// Fills a contiguous tensor from a per-element draw, holding the generator's lock.
template <typename Draw>
Tensor random_fill(const Shape& shape, const TensorOptions& options, Generator* generator, const char* op,
                   Draw draw) {
  check_shape(shape, op);
  Tensor t = kernels::empty(shape, options.dtype, options.device);
  Generator& g = generator ? *generator : default_generator();
  std::lock_guard lock(g.mutex());
  kernels::dispatch_all(options.dtype, op, [&]<typename T>() {
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(draw(g.engine()));
  });
  return finish(t, options);
}

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) {
  check_shape(shape, "empty");
  return finish(kernels::empty(shape, options.dtype, options.device), options);
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }

Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }

Tensor full(const Shape& shape, double value, TensorOptions options) {
  check_shape(shape, "full");
  Tensor t = kernels::empty(shape, options.dtype, options.device);
  kernels::fill(t, value);
  return finish(t, options);
}

Tensor scalar_tensor(double value, TensorOptions options) { return full(Shape{}, value, options); }

Tensor arange(double end, TensorOptions options) { return arange(0.0, end, 1.0, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  STRATA_CHECK(step != 0, "arange: step must be nonzero");
  STRATA_CHECK((end - start) * step >= 0, "arange: range [{}, {}) cannot be walked with step {}", start, end,
               step);
  const int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = kernels::empty({n}, options.dtype, options.device);
  kernels::dispatch_all(options.dtype, "arange", [&]<typename T>() {
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return finish(t, options);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  STRATA_CHECK(steps >= 0, "linspace: steps must be non-negative, got {}", steps);
  Tensor t = kernels::empty({steps}, options.dtype, options.device);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  kernels::dispatch_all(options.dtype, "linspace", [&]<typename T>() {
    T* p = t.data_ptr<T>();
    // Fill from both ends so the last value is exactly `end`, as PyTorch does.
    for (int64_t i = 0; i < steps; ++i) {
      p[i] = static_cast<T>(i < steps / 2 ? start + step * static_cast<double>(i)
                                          : end - step * static_cast<double>(steps - 1 - i));
    }
  });
  return finish(t, options);
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  STRATA_CHECK(n >= 0, "eye: n must be non-negative, got {}", n);
  Tensor t = zeros({n, m}, {.dtype = options.dtype, .device = options.device});
  for (int64_t i = 0; i < std::min(n, m); ++i) t.set_at({i, i}, 1.0);
  return finish(t, options);
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* generator) {
  STRATA_CHECK(is_floating(options.dtype), "rand: needs a floating dtype, got {}", dtype_name(options.dtype));
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  return random_fill(shape, options, generator, "rand", [&](std::mt19937_64& e) { return dist(e); });
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* generator) {
  STRATA_CHECK(is_floating(options.dtype), "randn: needs a floating dtype, got {}",
               dtype_name(options.dtype));
  std::normal_distribution<double> dist(0.0, 1.0);
  return random_fill(shape, options, generator, "randn", [&](std::mt19937_64& e) { return dist(e); });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator* generator) {
  STRATA_CHECK(low < high, "randint: empty range [{}, {})", low, high);
  std::uniform_int_distribution<int64_t> dist(low, high - 1);
  return random_fill(shape, options, generator, "randint", [&](std::mt19937_64& e) { return dist(e); });
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, bool requires_grad) {
  STRATA_CHECK(static_cast<int64_t>(values.size()) == shape.numel(),
               "from_vector: {} values do not fill shape {} ({} elements)", values.size(), shape.str(),
               shape.numel());
  Tensor t = kernels::empty(shape, DtypeOf<T>::value, kCPU);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  if (requires_grad) t.requires_grad_(true);
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, bool);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, bool);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&, bool);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&, bool);

Tensor from_blob(void* data, const Shape& shape, Dtype dtype, std::function<void(void*)> deleter) {
  check_shape(shape, "from_blob");
  const size_t nbytes = static_cast<size_t>(shape.numel()) * element_size(dtype);
  auto storage = make_intrusive<Storage>(data, nbytes, kCPU, std::move(deleter));
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), shape, contiguous_strides(shape), 0, dtype));
}

Tensor empty_like(const Tensor& t) { return kernels::empty(t.shape(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), {.dtype = t.dtype(), .device = t.device()}); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), {.dtype = t.dtype(), .device = t.device()}); }
Tensor full_like(const Tensor& t, double value) {
  return full(t.shape(), value, {.dtype = t.dtype(), .device = t.device()});
}
Tensor rand_like(const Tensor& t, Generator* generator) {
  return rand(t.shape(), {.dtype = t.dtype(), .device = t.device()}, generator);
}
Tensor randn_like(const Tensor& t, Generator* generator) {
  return randn(t.shape(), {.dtype = t.dtype(), .device = t.device()}, generator);
}

}  // namespace strata
