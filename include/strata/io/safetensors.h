#pragma once
// Reading and writing safetensors files: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian row-major data.
#include <map>
#include <set>
#include <string>

#include "strata/core/tensor.h"

namespace strata::io {

// The contents of a safetensors file: tensors by name plus the optional "__metadata__" strings.
struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
  std::set<std::string> int8;  // names of the I8 tensors, held as u8 tensors with the same bits
};

// Reads every tensor and the metadata of a safetensors file (F32, F64, I64, U8, I8, BF16; I8 is held as u8
// bits and named in `int8`; BF16 is widened to f32 on load, exactly, as kernels do not take bf16 yet). Like
// the reference implementation it refuses duplicate names, overlapping or gapped data and bytes after the
// last tensor; every error is a strata::Error naming the file and the problem.
SafetensorsFile read_safetensors(const std::string& path);

// Reads every tensor of a safetensors file (see read_safetensors).
std::map<std::string, Tensor> load_safetensors(const std::string& path);

// Writes tensors (any layout, CPU or not; names in sorted order) and metadata to `path` atomically: the
// data goes to a temporary file beside it that is synced and then renamed over `path`. u8 tensors named in
// `int8` hold s8 bits and are written as I8.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      const std::set<std::string>& int8 = {});

}  // namespace strata::io
