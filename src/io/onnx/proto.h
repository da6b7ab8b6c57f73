#pragma once
// Conversions between strata tensors and ONNX protobuf messages, and reading/writing ONNX model files. Only
// sources under src/io/onnx/ include this (it brings ONNX's and protobuf's headers).
#include <onnx/onnx_pb.h>

#include <string>

#include "strata/core/tensor.h"

namespace strata::onnx {

// The ONNX element type of a strata dtype (FLOAT, DOUBLE, INT64, UINT8); throws for bf16.
int32_t to_onnx_dtype(Dtype dtype);
// The strata dtype ONNX element type `elem_type` is read into: FLOAT, FLOAT16, BFLOAT16 -> f32 (16-bit floats
// widened), DOUBLE -> f64, INT64/INT32/INT16/INT8/UINT64/UINT32/UINT16 -> i64, UINT8/BOOL -> u8; throws naming
// the type for the rest (strings, complex numbers).
Dtype from_onnx_dtype(int32_t elem_type, const std::string& what);
// ONNX's name of an element type ("FLOAT", "INT64", ...).
std::string onnx_dtype_name(int32_t elem_type);

// A TensorProto named `name` holding `tensor`'s values (any layout) as raw little-endian data.
::onnx::TensorProto to_tensor_proto(const Tensor& tensor, const std::string& name);
// The values of `proto` as a new contiguous tensor: raw_data, the typed *_data fields or external data (read
// relative to `base_dir`, the model file's folder). Throws naming the tensor when the data is missing, of the
// wrong size or in an unsupported type.
Tensor from_tensor_proto(const ::onnx::TensorProto& proto, const std::string& base_dir = "");

// Parses the ONNX model file at `path` (external data stays referenced, not loaded); throws naming the file
// when it cannot be opened or is not a ModelProto.
::onnx::ModelProto read_model(const std::string& path);
// Serialises `model` to `path` atomically (a temporary file beside it renamed over it); throws when the
// message exceeds protobuf's 2 GB limit (move initializers to external data first) or the file cannot be
// written.
void write_model(const ::onnx::ModelProto& model, const std::string& path);

// libonnx's checker and strict, type-checking shape inference on an in-memory model (see onnx.h's
// check_model); `what` names the model in errors, `model_dir` is where external data files are found.
void check_model_proto(const ::onnx::ModelProto& model, const std::string& what);

}  // namespace strata::onnx
