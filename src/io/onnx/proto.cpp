#include "io/onnx/proto.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::onnx {

namespace {

using ::onnx::TensorProto;

template <typename Src, typename Dst>
void copy_cast(const Src* src, Dst* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(src[i]);
}

// IEEE half and bfloat16 bit patterns -> float.
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const int exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    f = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    f = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
  }
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= sign;
  std::memcpy(&f, &bits, 4);
  return f;
}
float bf16_to_float(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// 16-bit floats (type t, FLOAT16 or BFLOAT16) widened into f32.
template <typename Src>
void decode_16bit(const Src* src, int32_t t, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const auto bits = static_cast<uint16_t>(src[i]);
    dst[i] = t == TensorProto::FLOAT16 ? half_to_float(bits) : bf16_to_float(bits);
  }
}

size_t onnx_element_size(int32_t t) {
  switch (t) {
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32:
      return 4;
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
    case TensorProto::UINT64:
      return 8;
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return 2;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      return 1;
    default:
      return 0;
  }
}

// Converts `n` little-endian elements of ONNX type `t` at `bytes` into `out` (of dtype from_onnx_dtype(t)).
void convert_raw(const char* bytes, int32_t t, int64_t n, const Tensor& out) {
  switch (t) {
    case TensorProto::FLOAT:
    case TensorProto::DOUBLE:
    case TensorProto::INT64:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      if (n > 0) std::memcpy(out.raw_data(), bytes, static_cast<size_t>(n) * onnx_element_size(t));
      return;
    case TensorProto::INT32: {
      std::vector<int32_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 4);
      copy_cast(v.data(), out.data_ptr<int64_t>(), n);
      return;
    }
    case TensorProto::UINT32: {
      std::vector<uint32_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 4);
      copy_cast(v.data(), out.data_ptr<int64_t>(), n);
      return;
    }
    case TensorProto::INT16: {
      std::vector<int16_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 2);
      copy_cast(v.data(), out.data_ptr<int64_t>(), n);
      return;
    }
    case TensorProto::UINT16: {
      std::vector<uint16_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 2);
      copy_cast(v.data(), out.data_ptr<int64_t>(), n);
      return;
    }
    case TensorProto::UINT64: {
      std::vector<uint64_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 8);
      copy_cast(v.data(), out.data_ptr<int64_t>(), n);
      return;
    }
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16: {
      std::vector<uint16_t> v(static_cast<size_t>(n));
      if (n > 0) std::memcpy(v.data(), bytes, v.size() * 2);
      decode_16bit(v.data(), t, out.data_ptr<float>(), n);
      return;
    }
    case TensorProto::INT8:
      copy_cast(reinterpret_cast<const int8_t*>(bytes), out.data_ptr<int64_t>(), n);
      return;
    default:
      break;
  }
  STRATA_CHECK(false, "onnx: element type {} is not supported", onnx_dtype_name(t));
}

}  // namespace

int32_t to_onnx_dtype(Dtype dtype) {
  switch (dtype) {
    case kFloat32:
      return TensorProto::FLOAT;
    case kFloat64:
      return TensorProto::DOUBLE;
    case kInt64:
      return TensorProto::INT64;
    case kUInt8:
      return TensorProto::UINT8;
    default:
      break;
  }
  STRATA_CHECK(false, "onnx: dtype {} has no ONNX element type here (convert to f32 first)",
               dtype_name(dtype));
  return 0;
}

Dtype from_onnx_dtype(int32_t elem_type, const std::string& what) {
  switch (elem_type) {
    case TensorProto::FLOAT:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return kFloat32;
    case TensorProto::DOUBLE:
      return kFloat64;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::INT32:
    case TensorProto::INT16:
    case TensorProto::INT8:
    case TensorProto::UINT16:
    case TensorProto::UINT32:
      return kInt64;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      return kUInt8;
    default:
      break;
  }
  STRATA_CHECK(false, "onnx: {} has element type {}, which strata does not support", what,
               onnx_dtype_name(elem_type));
  return kFloat32;
}

std::string onnx_dtype_name(int32_t elem_type) {
  if (TensorProto::DataType_IsValid(elem_type)) {
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
  }
  return fmt::format("<invalid {}>", elem_type);
}

TensorProto to_tensor_proto(const Tensor& tensor, const std::string& name) {
  TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(to_onnx_dtype(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto.add_dims(d);
  const Tensor c = tensor.to(kCPU).contiguous();
  proto.set_raw_data(static_cast<const char*>(c.raw_data()),
                     static_cast<size_t>(c.numel()) * c.element_size());
  return proto;
}

Tensor from_tensor_proto(const TensorProto& proto, const std::string& base_dir) {
  const std::string what = fmt::format("tensor '{}'", proto.name());
  const int32_t t = proto.data_type();
  const Dtype dtype = from_onnx_dtype(t, what);
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  int64_t n = 1;
  for (int64_t d : dims) {
    STRATA_CHECK(d >= 0, "onnx: {} has negative dimension {}", what, d);
    n *= d;
  }
  Tensor out = empty(Shape(dims), {.dtype = dtype});
  const size_t elem = onnx_element_size(t);
  const size_t want = static_cast<size_t>(n) * elem;

  if (proto.data_location() == TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : proto.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    }
    STRATA_CHECK(!location.empty(), "onnx: {} keeps external data but names no location", what);
    const std::filesystem::path file = std::filesystem::path(base_dir) / location;
    std::ifstream in(file, std::ios::binary);
    STRATA_CHECK(in.good(), "onnx: cannot open external data file {} of {}", file.string(), what);
    STRATA_CHECK(length < 0 || static_cast<size_t>(length) == want,
                 "onnx: {} has {} bytes of external data, its shape needs {}", what, length, want);
    std::vector<char> bytes(want);
    in.seekg(offset);
    in.read(bytes.data(), static_cast<std::streamsize>(want));
    STRATA_CHECK(in.good() || want == 0,
                 "onnx: external data file {} is too short for {} (offset {}, {} bytes)", file.string(), what,
                 offset, want);
    convert_raw(bytes.data(), t, n, out);
    return out;
  }
  if (proto.has_raw_data()) {
    STRATA_CHECK(proto.raw_data().size() == want, "onnx: {} has {} bytes of raw data, its shape {} needs {}",
                 what, proto.raw_data().size(), Shape(dims).str(), want);
    convert_raw(proto.raw_data().data(), t, n, out);
    return out;
  }
  auto check_count = [&](int64_t have) {
    STRATA_CHECK(have == n, "onnx: {} holds {} values, its shape {} needs {}", what, have, Shape(dims).str(),
                 n);
  };
  switch (t) {
    case TensorProto::FLOAT:
      check_count(proto.float_data_size());
      copy_cast(proto.float_data().data(), out.data_ptr<float>(), n);
      break;
    case TensorProto::DOUBLE:
      check_count(proto.double_data_size());
      copy_cast(proto.double_data().data(), out.data_ptr<double>(), n);
      break;
    case TensorProto::INT64:
      check_count(proto.int64_data_size());
      copy_cast(proto.int64_data().data(), out.data_ptr<int64_t>(), n);
      break;
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      check_count(proto.uint64_data_size());
      copy_cast(proto.uint64_data().data(), out.data_ptr<int64_t>(), n);
      break;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      check_count(proto.int32_data_size());
      decode_16bit(proto.int32_data().data(), t, out.data_ptr<float>(), n);
      break;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      check_count(proto.int32_data_size());
      copy_cast(proto.int32_data().data(), out.data_ptr<uint8_t>(), n);
      break;
    default:  // INT32, INT16, INT8, UINT16 are stored in int32_data
      check_count(proto.int32_data_size());
      copy_cast(proto.int32_data().data(), out.data_ptr<int64_t>(), n);
      break;
  }
  return out;
}

::onnx::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "onnx: cannot open model file {}", path);
  ::onnx::ModelProto model;
  STRATA_CHECK(model.ParseFromIstream(&in),
               "onnx: {} is not an ONNX model (protobuf ModelProto parse failed)", path);
  return model;
}

void write_model(const ::onnx::ModelProto& model, const std::string& path) {
  const size_t bytes = model.ByteSizeLong();
  STRATA_CHECK(
      bytes <= static_cast<size_t>(std::numeric_limits<int32_t>::max()),
      "onnx: model for {} serialises to {} bytes, over protobuf's 2 GB limit; store the initializers as "
      "external data",
      path, bytes);
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    STRATA_CHECK(out.good(), "onnx: cannot create {}", tmp);
    const bool ok = model.SerializeToOstream(&out);
    out.close();
    if (!ok || !out.good()) {
      std::remove(tmp.c_str());
      STRATA_CHECK(false, "onnx: cannot write {}", path);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    STRATA_CHECK(false, "onnx: cannot rename {} over {}", tmp, path);
  }
}

void check_model_proto(const ::onnx::ModelProto& model, const std::string& what) {
  try {
    ::onnx::checker::check_model(model);
    ::onnx::ModelProto copy = model;
    ::onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
    ::onnx::shape_inference::InferShapes(copy, ::onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    STRATA_CHECK(false, "onnx: {} fails the ONNX checker: {}", what, e.what());
  }
}

}  // namespace strata::onnx
