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
  // The file dtype of each tensor held in another strata dtype: "BF16", "F16" (f32), "I32" (i64), "I8",
  // "BOOL" (u8). Passed back to save_safetensors, it writes the file's dtypes again.
  std::map<std::string, std::string> stored_as;
};

// Reads every tensor and the metadata of a safetensors file (F32, F64, I64, U8, BF16, F16, I32, I8, BOOL).
// Dtypes strata does not compute in are widened exactly: BF16 and F16 to f32, I32 to i64; I8 is held as u8
// bits (named in `int8`), BOOL as u8 0/1 (other bytes are refused). Like the reference implementation it
// refuses duplicate names, overlapping or gapped data, bytes after the last tensor and sizes that overflow
// or disagree with the file's; every error is a strata::Error naming the file and the problem.
SafetensorsFile read_safetensors(const std::string& path);

// Reads every tensor of a safetensors file (see read_safetensors).
std::map<std::string, Tensor> load_safetensors(const std::string& path);

// Writes tensors (any layout, CPU or not; names in sorted order) and metadata to `path` atomically: the
// data goes to a temporary file beside it that is synced and then renamed over `path`. u8 tensors named in
// `int8` hold s8 bits and are written as I8. `stored_as` narrows tensors to a file dtype: floating ones to
// "F16" or "BF16" (rounded to nearest even), i64 to "I32", u8 to "I8" or "BOOL" (values must fit).
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      const std::set<std::string>& int8 = {},
                      const std::map<std::string, std::string>& stored_as = {});

}  // namespace strata::io
