#pragma once
// IDX files (the MNIST family's format), raw or gzip-compressed.
#include <string>

#include "strata/core/tensor.h"

namespace strata::data {

// Reads an IDX file into a tensor of its shape: u8 data as u8, i8/i16/i32 as i64, f32 as f32, f64 as f64.
// Throws strata::Error naming the file and the problem (missing, truncated, bad magic, size mismatch).
Tensor read_idx(const std::string& path);

}  // namespace strata::data
