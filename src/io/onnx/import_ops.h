#pragma once
// Private to the ONNX importer: the helpers that several operator families share, and the functions that add
// each family's operators (import_ops_<family>.cpp) to the table behind find_operator.
#include <string>
#include <unordered_map>
#include <vector>

#include "import_graph.h"

namespace strata::onnx::detail {

using Tensors = std::vector<Tensor>;
using OperatorTable = std::unordered_map<std::string, OperatorFn>;

// `axis` made non-negative for a tensor of rank `rank`; throws naming the node when it is out of range.
int64_t norm_axis(int64_t axis, int64_t rank, const Node& n);
// The number of dimensions of t.
int64_t rank(const Tensor& t);
// The first element of t as a double.
double scalar(const Tensor& t);
// Broadcast two shapes as NumPy does; throws naming the node when they do not.
Shape broadcast(const Shape& a, const Shape& b, const Node& n);
// pads for F::pad (last dim first) from begin/end lists in dim order.
std::vector<int64_t> torch_pads(const std::vector<int64_t>& begin, const std::vector<int64_t>& end);
// The axes of a node: its `axes` attribute before `input_opset`, from then on input `input` (empty if
// omitted).
std::vector<int64_t> axes_of(const OpContext& c, size_t input, int64_t input_opset);
// A [n] tensor 0..n-1 shaped to broadcast along `axis` of a rank-r tensor.
Tensor positions(int64_t n, int64_t axis, int64_t r);
// Truncation toward zero in x's floating dtype (through i64: exact for |x| < 2^63).
Tensor trunc(const Tensor& x);
// The strata dtype holding ONNX element type `to` (TensorProto.DataType); throws naming the node otherwise.
Dtype onnx_dtype(int64_t to, const Node& n);

// Each adds its family's operators to the table.
void add_elementwise_ops(OperatorTable& table);
void add_activation_ops(OperatorTable& table);
void add_linalg_ops(OperatorTable& table);
void add_conv_ops(OperatorTable& table);
void add_norm_ops(OperatorTable& table);
void add_shape_ops(OperatorTable& table);
void add_index_ops(OperatorTable& table);
void add_reduce_ops(OperatorTable& table);
void add_resize_ops(OperatorTable& table);
void add_recurrent_ops(OperatorTable& table);

}  // namespace strata::onnx::detail
