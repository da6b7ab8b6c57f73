// The ONNX operators import_model understands, each written with strata ops (so every one is
// differentiable where its strata ops are). Each follows the ONNX operator specification for opsets 1 to 18:
// where an operator moved an attribute to an input (Squeeze's axes, Clip's bounds, Slice's starts, ...)
// both forms are read. A case outside what strata computes (a mode, an activation, a dimension) throws a
// strata::Error naming the attribute and its value. The operators live in import_ops_<family>.cpp; this file
// holds the Node / OpContext readers, the helpers the families share and the table they fill.
#include "import_ops.h"

#include <algorithm>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

// ---- Node and OpContext helpers ------------------------------------------------------------------

std::string Node::label() const { return fmt::format("{} '{}'", op_type, name); }

namespace {
const Attribute* find_attr(const Node& n, const std::string& attr, Attribute::Kind kind) {
  auto it = n.attributes.find(attr);
  if (it == n.attributes.end()) return nullptr;
  STRATA_CHECK(it->second.kind == kind, "{}: attribute '{}' has an unexpected type", n.label(), attr);
  return &it->second;
}
}  // namespace

int64_t Node::attr_int(const std::string& attr, int64_t fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Int);
  return a ? a->i : fallback;
}
double Node::attr_float(const std::string& attr, double fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Float);
  return a ? a->f : fallback;
}
std::string Node::attr_string(const std::string& attr, const std::string& fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::String);
  return a ? a->s : fallback;
}
std::vector<int64_t> Node::attr_ints(const std::string& attr, const std::vector<int64_t>& fallback) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Ints);
  return a ? a->ints : fallback;
}
std::vector<double> Node::attr_floats(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Floats);
  return a ? a->floats : std::vector<double>{};
}
std::vector<std::string> Node::attr_strings(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Strings);
  return a ? a->strings : std::vector<std::string>{};
}
Tensor Node::attr_tensor(const std::string& attr) const {
  const Attribute* a = find_attr(*this, attr, Attribute::Kind::Tensor);
  return a ? a->t : Tensor();
}

const Tensor& OpContext::in(size_t i) const {
  static const Tensor kNone;
  return i < inputs.size() ? inputs[i] : kNone;
}
const Tensor& OpContext::required(size_t i) const {
  STRATA_CHECK(in(i).defined(), "{}: input {} is required", node.label(), i);
  return in(i);
}
std::vector<int64_t> OpContext::ints(size_t i) const {
  const Tensor& t = required(i);
  return t.dtype() == kInt64 ? t.contiguous().to_vector<int64_t>()
                             : t.to(kInt64).contiguous().to_vector<int64_t>();
}

// ---- helpers shared by the operator families ----------------------------------------------------

int64_t norm_axis(int64_t axis, int64_t rank, const Node& n) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  STRATA_CHECK(a >= 0 && a < std::max<int64_t>(rank, 1), "{}: axis {} is out of range for rank {}", n.label(),
               axis, rank);
  return a;
}

int64_t rank(const Tensor& t) { return static_cast<int64_t>(t.dim()); }

double scalar(const Tensor& t) { return t.to(kFloat64).contiguous().to_vector<double>().at(0); }

// Broadcast two shapes as NumPy does.
Shape broadcast(const Shape& a, const Shape& b, const Node& n) {
  const size_t r = std::max(a.size(), b.size());
  Shape out;
  for (size_t i = 0; i < r; ++i) {
    const int64_t x = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t y = i + b.size() >= r ? b[i + b.size() - r] : 1;
    STRATA_CHECK(x == y || x == 1 || y == 1, "{}: shapes {} and {} do not broadcast", n.label(), a.str(),
                 b.str());
    out.push_back(x == 1 ? y : x);
  }
  return out;
}

// pads for F::pad (last dim first) from begin/end lists in dim order.
std::vector<int64_t> torch_pads(const std::vector<int64_t>& begin, const std::vector<int64_t>& end) {
  std::vector<int64_t> out;
  for (size_t i = begin.size(); i-- > 0;) {
    out.push_back(begin[i]);
    out.push_back(end[i]);
  }
  return out;
}

std::vector<int64_t> axes_of(const OpContext& c, size_t input, int64_t input_opset) {
  if (c.opset >= input_opset) return c.in(input).defined() ? c.ints(input) : std::vector<int64_t>{};
  return c.node.attr_ints("axes");
}

// A [n] tensor 0..n-1 shaped to broadcast along `axis` of a rank-r tensor.
Tensor positions(int64_t n, int64_t axis, int64_t r) {
  Shape shape(std::vector<int64_t>(static_cast<size_t>(r), 1));
  shape[static_cast<size_t>(axis)] = n;
  return arange(static_cast<double>(n), {.dtype = kInt64}).reshape(shape);
}

// Truncation toward zero in x's floating dtype (through i64: exact for |x| < 2^63).
Tensor trunc(const Tensor& x) { return x.to(kInt64).to(x.dtype()); }

Dtype onnx_dtype(int64_t to, const Node& n) {
  switch (to) {
    case 1:
      return kFloat32;
    case 11:
      return kFloat64;
    case 2:
    case 9:
      return kUInt8;
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 12:
    case 13:
      return kInt64;
    case 10:
    case 16:
      return kFloat32;
    default:
      STRATA_FAIL("{}: element type {} is not supported", n.label(), to);
  }
}

// ---- the operator table --------------------------------------------------------------------------

namespace {
const OperatorTable& table() {
  static const OperatorTable ops = [] {
    OperatorTable t;
    add_elementwise_ops(t);
    add_activation_ops(t);
    add_linalg_ops(t);
    add_conv_ops(t);
    add_norm_ops(t);
    add_shape_ops(t);
    add_index_ops(t);
    add_reduce_ops(t);
    add_resize_ops(t);
    add_recurrent_ops(t);
    return t;
  }();
  return ops;
}
}  // namespace

OperatorFn find_operator(const std::string& op_type) {
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> operator_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : table()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace strata::onnx::detail
