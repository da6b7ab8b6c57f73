// The compiler's IR: values, nodes and their printing.
#include "strata/compile/ir.h"

#include <fmt/format.h>

namespace strata::compiler {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::Reshape:
      return "Reshape";
    case OpKind::Linear:
      return "Linear";
    case OpKind::Conv2d:
      return "Conv2d";
    case OpKind::Relu:
      return "Relu";
    case OpKind::MaxPool2d:
      return "MaxPool2d";
    case OpKind::CrossEntropy:
      return "CrossEntropy";
    case OpKind::CrossEntropyBackward:
      return "CrossEntropyBackward";
    case OpKind::LinearBackwardInput:
      return "LinearBackwardInput";
    case OpKind::LinearBackwardWeight:
      return "LinearBackwardWeight";
    case OpKind::BiasBackward:
      return "BiasBackward";
    case OpKind::ReluBackward:
      return "ReluBackward";
    case OpKind::Conv2dBackwardInput:
      return "Conv2dBackwardInput";
    case OpKind::Conv2dBackwardWeight:
      return "Conv2dBackwardWeight";
    case OpKind::Conv2dBackward:
      return "Conv2dBackward";
    case OpKind::MaxPool2dBackward:
      return "MaxPool2dBackward";
    case OpKind::OptimizerStep:
      return "OptimizerStep";
  }
  return "?";
}

bool has_effect(OpKind op) { return op == OpKind::OptimizerStep; }

std::string Attrs::str() const {
  std::string s;
  if (relu) s += " relu";
  if (in_place) s += " in_place";
  if (stride != std::array<int64_t, 2>{1, 1}) s += fmt::format(" stride={}x{}", stride[0], stride[1]);
  if (pad_begin != std::array<int64_t, 2>{0, 0} || pad_end != std::array<int64_t, 2>{0, 0})
    s += fmt::format(" pad={},{},{},{}", pad_begin[0], pad_begin[1], pad_end[0], pad_end[1]);
  if (dilation != std::array<int64_t, 2>{1, 1}) s += fmt::format(" dilation={}x{}", dilation[0], dilation[1]);
  if (kernel != std::array<int64_t, 2>{1, 1}) s += fmt::format(" kernel={}x{}", kernel[0], kernel[1]);
  if (out != std::array<int64_t, 2>{1, 1}) s += fmt::format(" out={}x{}", out[0], out[1]);
  if (groups != 1) s += fmt::format(" groups={}", groups);
  return s;
}

int Graph::add_value(ValueKind kind, Shape shape, Dtype dtype, bool batch_dim, std::string name) {
  Value v;
  v.id = static_cast<int>(values.size());
  v.kind = kind;
  v.shape = std::move(shape);
  v.dtype = dtype;
  v.batch_dim = batch_dim;
  v.name = name.empty() ? fmt::format("%{}", v.id) : std::move(name);
  values.push_back(std::move(v));
  return values.back().id;
}

int Graph::add_node(OpKind op, std::vector<int> inputs, std::vector<int> outputs, Attrs attrs,
                    std::string label) {
  const int index = static_cast<int>(nodes.size());
  for (int o : outputs) values[o].producer = index;
  nodes.push_back(Node{op, std::move(inputs), std::move(outputs), attrs, std::move(label)});
  return index;
}

Shape Graph::shape_at(int id, int64_t batch) const {
  Shape s = values[id].shape;
  if (values[id].batch_dim) s[0] = batch;
  return s;
}

int64_t Graph::bytes(int id, int64_t batch) const {
  return shape_at(id, batch).numel() * static_cast<int64_t>(element_size(values[id].dtype));
}

int Graph::root(int id) const {
  while (values[id].alias_of >= 0) id = values[id].alias_of;
  return id;
}

int Graph::uses(int id) const {
  int n = 0;
  for (const Node& node : nodes)
    for (int i : node.inputs) n += i == id;
  return n;
}

std::string Graph::str() const {
  std::string s;
  auto shape_str = [&](const Value& v) {
    std::string t = "[";
    for (size_t d = 0; d < v.shape.size(); ++d) {
      if (d) t += ", ";
      t += d == 0 && v.batch_dim ? std::string("B") : std::to_string(v.shape[d]);
    }
    return t + "]";
  };
  for (const Node& n : nodes) {
    std::string outs;
    for (size_t i = 0; i < n.outputs.size(); ++i) outs += (i ? ", " : "") + values[n.outputs[i]].name;
    std::string ins;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      ins += (i ? ", " : "") + (n.inputs[i] < 0 ? std::string("-") : values[n.inputs[i]].name);
    std::string types;
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      const Value& v = values[n.outputs[i]];
      types += (i ? ", " : "") + shape_str(v) + " " + std::string(dtype_name(v.dtype));
    }
    if (n.outputs.empty()) {
      s += fmt::format("  {}({}){}", op_name(n.op), ins, n.attrs.str());
    } else {
      s += fmt::format("  {} = {}({}){} : {}", outs, op_name(n.op), ins, n.attrs.str(), types);
    }
    if (!n.label.empty()) s += "    # " + n.label;
    s += "\n";
  }
  return s;
}

}  // namespace strata::compiler
