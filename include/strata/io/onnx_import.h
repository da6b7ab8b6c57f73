#pragma once
// ONNX import: an ONNX file becomes an nn::Module (OnnxModel) that interprets the graph with strata ops.
// Initializers become parameters named by their ONNX names (a dotted name such as "layer1.0.conv1.weight"
// is kept: its segments become child modules), so the model can be evaluated and fine-tuned with autograd.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::onnx {

namespace detail {
struct Graph;
}

// A graph read from an ONNX file, run node by node (topological order) over a table of named values.
// Floating-point initializers are trainable parameters; integer and 0-dim ones, BatchNormalization's running
// statistics and the settings operators take as inputs (Clip's bounds, Pow's exponent, ...) are buffers. Nodes whose inputs are all constants are folded once at import.
// In training mode Dropout drops and BatchNormalization uses batch statistics (as PyTorch's layers do).
class OnnxModel : public nn::Module {
 public:
  explicit OnnxModel(std::shared_ptr<const detail::Graph> graph);

  // The first output for a model with one input (throws naming the inputs when it has several).
  Tensor forward(const Tensor& input) override;
  // All outputs, in the graph's order, for the inputs in the graph's order.
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs);
  // All outputs by name, for inputs given by name.
  std::map<std::string, Tensor> forward(const std::map<std::string, Tensor>& inputs);

  // The graph's input names (initializers excluded), in order.
  const std::vector<std::string>& input_names() const;
  // The graph's output names, in order.
  const std::vector<std::string>& output_names() const;
  // The opset version of the default ONNX domain.
  int64_t opset() const;
  // The ONNX operator type of every node, in execution order.
  std::vector<std::string> node_types() const;

  std::string extra_repr() const override;

 private:
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

  std::shared_ptr<const detail::Graph> graph_;
  std::map<std::string, Tensor> values_;  // initializers (parameter/buffer handles) and folded constants
};

// Reads an ONNX model file; throws strata::Error naming the file when it is not an ONNX model, names every
// unsupported operator with its node, or names a missing initializer, an unsupported element type or opset.
std::shared_ptr<OnnxModel> import_model(const std::string& path);

// Reads a serialised TensorProto (the input_N.pb / output_N.pb files of ONNX's test data) as a tensor.
Tensor load_tensor_proto(const std::string& path);

// The ONNX operator types (default domain) that import_model understands.
std::vector<std::string> importable_operators();

// The operator types of an ONNX file's nodes (each once, sorted), without importing it.
std::vector<std::string> model_operators(const std::string& path);

}  // namespace strata::onnx
