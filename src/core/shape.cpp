#include "strata/core/shape.h"

namespace strata {

std::string Shape::str() const {
  std::string s = "[";
  for (size_t i = 0; i < size_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

int64_t Shape::overflowed_numel() const {
  if (std::find(begin(), end(), 0) != end()) return 0;
  throw Error(fmt::format("shape {} has more elements than a 64-bit count holds", str()));
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape.str(); }

Strides contiguous_strides(const Shape& shape) {
  Strides st = Strides::filled(shape.size(), 1);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return st;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-dim tensor accepts dim 0 and -1
  STRATA_CHECK(dim >= -n && dim < n, "{}: dim {} is out of range for a tensor with {} dims", op, dim, ndim);
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out = Shape::filled(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    STRATA_CHECK(da == db || da == 1 || db == 1, "{}: shapes {} and {} are not broadcastable", op, a.str(),
                 b.str());
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace strata
