#include "strata/core/tensor.h"

#include <cmath>
#include <sstream>

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"

namespace strata {

int64_t Tensor::size(int64_t dim) const { return shape()[wrap_dim(dim, this->dim(), "size")]; }

int64_t Tensor::stride(int64_t dim) const { return strides()[wrap_dim(dim, this->dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  STRATA_CHECK(defined(), "raw_data: tensor is undefined");
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * static_cast<int64_t>(element_size());
}

void Tensor::check_dtype(Dtype expected, const char* what) const {
  STRATA_CHECK(defined(), "{}: tensor is undefined", what);
  STRATA_CHECK(dtype() == expected, "{}: tensor has dtype {}, requested {}", what, dtype_name(dtype()),
               dtype_name(expected));
}

namespace {

int64_t element_offset(const Tensor& t, const Shape& index, const char* op) {
  STRATA_CHECK(static_cast<int64_t>(index.size()) == t.dim(),
               "{}: index {} has {} entries for a tensor of shape {}", op, index.str(), index.size(),
               t.shape().str());
  STRATA_CHECK(t.device().is_cpu(), "{}: element access needs a cpu tensor, got {}", op, t.device().str());
  int64_t off = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    int64_t v = index[i] < 0 ? index[i] + t.shape()[i] : index[i];
    STRATA_CHECK(v >= 0 && v < t.shape()[i], "{}: index {} is out of bounds for shape {}", op, index.str(),
                 t.shape().str());
    off += v * t.strides()[i];
  }
  return off;
}

}  // namespace

double Tensor::item() const {
  STRATA_CHECK(defined(), "item: tensor is undefined");
  STRATA_CHECK(numel() == 1, "item: tensor of shape {} has {} elements, expected one", shape().str(),
               numel());
  return at(Shape::filled(shape().size(), 0));
}

double Tensor::at(const Shape& index) const {
  const int64_t off = element_offset(*this, index, "at");
  return kernels::dispatch_all(dtype(), "at", [&]<typename T>() {
    return static_cast<double>(static_cast<const T*>(raw_data())[off]);
  });
}

void Tensor::set_at(const Shape& index, double value) {
  const int64_t off = element_offset(*this, index, "set_at");
  kernels::dispatch_all(dtype(), "set_at",
                        [&]<typename T>() { static_cast<T*>(raw_data())[off] = static_cast<T>(value); });
  storage().bump_version();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  STRATA_CHECK(defined(), "to_vector: tensor is undefined");
  std::vector<T> out(static_cast<size_t>(numel()));
  if (out.empty()) return out;
  auto storage = make_intrusive<Storage>(out.data(), out.size() * sizeof(T), kCPU, nullptr);
  Tensor dst(make_intrusive<TensorImpl>(storage, shape(), contiguous_strides(shape()), 0, DtypeOf<T>::value));
  kernels::copy(dst, *this);
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

Tensor& Tensor::requires_grad_(bool requires_grad) {
  STRATA_CHECK(is_leaf(),
               "requires_grad_: only leaf tensors can change requires_grad (this one came from {})", "an op");
  STRATA_CHECK(!requires_grad || is_floating_point(),
               "requires_grad_: only floating tensors can require grad, got {}", dtype_name(dtype()));
  impl_->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const { return impl_->grad ? Tensor(impl_->grad) : Tensor(); }

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined()) {
    STRATA_CHECK(grad.shape() == shape(), "set_grad: gradient of shape {} for a tensor of shape {}",
                 grad.shape().str(), shape().str());
  }
  impl_->grad = grad.impl_ptr();
}

void Tensor::zero_grad() { impl_->grad.reset(); }

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward(*this, gradient, retain_graph, create_graph);
}

// ---- printing -----------------------------------------------------------------------------------
namespace {

constexpr int64_t kPrintThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  bool floating = true;
  bool integral_values = true;
  bool scientific = false;
  int width = 1;

  std::string format(double v) const {
    if (!floating) return fmt::format("{}", static_cast<int64_t>(v));
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (scientific) return fmt::format("{:.4e}", v);
    if (integral_values) return fmt::format("{:.0f}.", v);
    return fmt::format("{:.4f}", v);
  }
};

void print_rec(std::ostream& os, const Tensor& t, const std::vector<double>& flat, const Strides& st,
               int64_t dim, int64_t base, const Formatter& f, bool summarize, int indent) {
  const int64_t n = t.shape()[dim];
  const bool last = dim == t.dim() - 1;
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      os << (last ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - kEdgeItems - 1;
      continue;
    }
    if (last) {
      std::string s = f.format(flat[base + i * st[dim]]);
      os << std::string(std::max<int>(0, f.width - static_cast<int>(s.size())), ' ') << s;
    } else {
      print_rec(os, t, flat, st, dim + 1, base + i * st[dim], f, summarize, indent + 1);
    }
    if (i + 1 < n) {
      os << (last ? ", " : "," + std::string(t.dim() - dim - 1, '\n') + std::string(indent + 1, ' '));
    }
  }
  os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  const std::vector<double> flat = t.to_vector<double>();
  Formatter f;
  f.floating = t.is_floating_point();
  double max_abs = 0, min_abs = INFINITY;
  for (double v : flat) {
    if (!std::isfinite(v)) continue;
    if (v != std::round(v)) f.integral_values = false;
    max_abs = std::max(max_abs, std::abs(v));
    if (v != 0) min_abs = std::min(min_abs, std::abs(v));
  }
  if (f.floating && !f.integral_values && (max_abs >= 1e8 || min_abs < 1e-4)) f.scientific = true;
  if (f.floating && f.integral_values && max_abs >= 1e8) f.scientific = true;
  for (double v : flat) f.width = std::max<int>(f.width, static_cast<int>(f.format(v).size()));
  os << "tensor(";
  if (t.dim() == 0) {
    os << f.format(flat[0]);
  } else {
    print_rec(os, t, flat, contiguous_strides(t.shape()), 0, 0, f, t.numel() > kPrintThreshold, 7);
  }
  if (t.dtype() != kFloat32) os << ", dtype=" << dtype_name(t.dtype());
  if (!t.device().is_cpu()) os << ", device=" << t.device().str();
  if (t.requires_grad()) os << ", requires_grad=true";
  return os << ')';
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  STRATA_CHECK(a.shape() == b.shape(), "allclose: shapes {} and {} differ", a.shape().str(), b.shape().str());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i) {
    if (std::isnan(va[i]) || std::isnan(vb[i])) {
      if (equal_nan && std::isnan(va[i]) && std::isnan(vb[i])) continue;
      return false;
    }
    if (va[i] == vb[i]) continue;
    if (std::abs(va[i] - vb[i]) > atol + rtol * std::abs(vb[i])) return false;
  }
  return true;
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  return a.to_vector<double>() == b.to_vector<double>();
}

}  // namespace strata
