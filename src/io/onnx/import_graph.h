#pragma once
// The importer's own picture of an ONNX graph: plain C++ (no protobuf), so the interpreter and the
// operator table never see ONNX headers. Built by import_model.cpp from the ModelProto.
#include <map>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::onnx::detail {

// One node attribute; `kind` says which member holds its value.
struct Attribute {
  enum class Kind { Float, Int, String, Tensor, Floats, Ints, Strings, Other };
  Kind kind = Kind::Other;
  double f = 0.0;
  int64_t i = 0;
  std::string s;
  strata::Tensor t;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct Node {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;  // "" marks an omitted optional input/output
  std::map<std::string, Attribute> attributes;

  bool has(const std::string& attr) const { return attributes.count(attr) > 0; }
  // Typed attribute readers: the default when absent; a wrong kind throws naming the node.
  int64_t attr_int(const std::string& attr, int64_t fallback) const;
  double attr_float(const std::string& attr, double fallback) const;
  std::string attr_string(const std::string& attr, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& attr, const std::vector<int64_t>& fallback = {}) const;
  std::vector<double> attr_floats(const std::string& attr) const;
  std::vector<std::string> attr_strings(const std::string& attr) const;
  strata::Tensor attr_tensor(const std::string& attr) const;
  // "Conv 'conv1'": how errors name the node.
  std::string label() const;
};

struct Initializer {
  std::string name;
  strata::Tensor value;
};

struct Graph {
  std::string path;  // the file it came from (for messages)
  int64_t opset = 0;
  std::vector<Node> nodes;  // topologically sorted
  std::vector<std::string> inputs, outputs;
  std::vector<Initializer> initializers;
};

// What an operator sees: its node, its inputs (undefined where omitted), the opset and the mode.
struct OpContext {
  const Node& node;
  const std::vector<strata::Tensor>& inputs;
  int64_t opset;
  bool training;

  // Input i, or an undefined tensor when it is omitted or past the end.
  const strata::Tensor& in(size_t i) const;
  // Input i, which must be present (throws naming the node otherwise).
  const strata::Tensor& required(size_t i) const;
  // Input i (an integer tensor) as a vector of int64.
  std::vector<int64_t> ints(size_t i) const;
};

using OperatorFn = std::vector<strata::Tensor> (*)(const OpContext&);

// The operator for `op_type` in the default domain, or null.
OperatorFn find_operator(const std::string& op_type);
// Every operator type in the table, sorted.
std::vector<std::string> operator_names();

}  // namespace strata::onnx::detail
