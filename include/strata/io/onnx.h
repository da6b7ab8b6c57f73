#pragma once
// ONNX interop: exporting strata modules to ONNX files (opset 17 by default) and checking ONNX files with
// libonnx's checker and strict shape inference. The ONNX and protobuf headers stay inside src/io/onnx/.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::onnx {

// What export_model writes besides the graph itself.
struct ExportOptions {
  int64_t opset = 17;  // the default-domain opset version the graph is written for (13..17)
  // Symbolic dimensions by input or output name: {"input", {{0, "batch"}}} makes dim 0 of "input" dynamic.
  std::map<std::string, std::map<int64_t, std::string>> dynamic_axes{};
  std::vector<std::string>
      input_names{};  // graph input names ("input" / "input_0", "input_1", ... when empty)
  std::vector<std::string> output_names{};  // graph output names ("output" / "output_0", ... when empty)
  // Initializers with at least this many bytes go to an external data file beside the model
  // (<model>.data) when the whole model would exceed `external_data_total_bytes` (protobuf's 2 GB limit).
  int64_t external_data_threshold_bytes = 1024;
  int64_t external_data_total_bytes = int64_t{2000} * 1000 * 1000;
};

// Writes `module` (in eval mode, without gradients; its mode is restored after) as an ONNX model at `path`,
// tracing its structure on `example_inputs` with one exporter per layer kind (docs/onnx.md lists them; a
// module without one raises strata::Error naming its path and type). Weights become initializers (named
// like state_dict entries); the file is checked with check_model before returning. `example_inputs` are the
// forward's arguments in PyTorch's positional order (e.g. query, key, value, key_padding_mask, attn_mask for
// MultiheadAttention); an undefined tensor after the first is an omitted argument and no graph input.
void export_model(nn::Module& module, const std::vector<Tensor>& example_inputs, const std::string& path,
                  const ExportOptions& options = {});

// Runs libonnx's checker on the model file at `path` and then its shape inference in strict mode with type
// checks: the same steps as Python's onnx.checker.check_model(path, full_check=True). Throws strata::Error
// with the checker's message and the file name when the model is invalid.
void check_model(const std::string& path);

}  // namespace strata::onnx

// ONNX import (onnx::import_model, OnnxModel): strata/io/onnx_import.h.
#include "strata/io/onnx_import.h"
