// check_model: libonnx's checker plus strict, type-checking shape inference on a model file.
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <filesystem>

#include "io/onnx/proto.h"
#include "strata/core/error.h"
#include "strata/io/onnx.h"

namespace strata::onnx {

void check_model(const std::string& path) {
  STRATA_CHECK(std::filesystem::exists(path), "onnx: check_model: no file {}", path);
  try {
    // The path forms resolve external data relative to the model's folder, as Python's checker does.
    ::onnx::checker::check_model(path);
    ::onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
    ::onnx::shape_inference::InferShapes(path, "", ::onnx::OpSchemaRegistry::Instance(), options);
  } catch (const strata::Error&) {
    throw;
  } catch (const std::exception& e) {
    STRATA_CHECK(false, "onnx: {} fails the ONNX checker: {}", path, e.what());
  }
}

}  // namespace strata::onnx
