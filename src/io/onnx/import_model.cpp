// ONNX import: ModelProto -> detail::Graph (plain C++, topologically sorted) -> OnnxModel, which runs the
// graph node by node over a table of named values with strata ops (the operator table is import_ops.cpp).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "import_graph.h"
#include "io/onnx/proto.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/io/onnx_import.h"

namespace strata::onnx {

namespace {

// The opsets of the default domain the operator table follows (attribute vs input forms of each).
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 18;

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "onnx {}: cannot open '{}'", what, path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

detail::Attribute to_attribute(const ::onnx::AttributeProto& a, const std::string& base_dir) {
  using AP = ::onnx::AttributeProto;
  detail::Attribute out;
  switch (a.type()) {
    case AP::FLOAT:
      out.kind = detail::Attribute::Kind::Float, out.f = a.f();
      break;
    case AP::INT:
      out.kind = detail::Attribute::Kind::Int, out.i = a.i();
      break;
    case AP::STRING:
      out.kind = detail::Attribute::Kind::String, out.s = a.s();
      break;
    case AP::TENSOR:
      out.kind = detail::Attribute::Kind::Tensor, out.t = from_tensor_proto(a.t(), base_dir);
      break;
    case AP::FLOATS:
      out.kind = detail::Attribute::Kind::Floats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case AP::INTS:
      out.kind = detail::Attribute::Kind::Ints;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case AP::STRINGS:
      out.kind = detail::Attribute::Kind::Strings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    default:
      out.kind = detail::Attribute::Kind::Other;
      break;
  }
  return out;
}

::onnx::ModelProto parse_model(const std::string& path) {
  STRATA_CHECK(std::filesystem::is_regular_file(path), "onnx import: '{}' does not exist or is not a file",
               path);
  const std::string bytes = read_file(path, "import");
  ::onnx::ModelProto model;
  STRATA_CHECK(model.ParseFromString(bytes),
               "onnx import: '{}' is not an ONNX model (protobuf parsing failed)", path);
  STRATA_CHECK(model.has_graph() && model.ir_version() > 0,
               "onnx import: '{}' is not an ONNX model (no graph or IR version)", path);
  return model;
}

std::string node_label(const ::onnx::NodeProto& n, int index) {
  const std::string op =
      n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + "::" + n.op_type();
  return fmt::format("{} (node '{}')", op, n.name().empty() ? fmt::format("#{}", index) : n.name());
}

// Sorts nodes so every input is produced before it is used; throws naming the node and the input that
// nothing produces (a missing initializer or graph input).
std::vector<int> topological_order(const ::onnx::GraphProto& g, const std::set<std::string>& known,
                                   const std::string& path) {
  std::set<std::string> available = known;
  available.insert("");
  std::vector<int> order;
  std::vector<bool> done(static_cast<size_t>(g.node_size()), false);
  bool progress = true;
  while (progress && static_cast<int>(order.size()) < g.node_size()) {
    progress = false;
    for (int i = 0; i < g.node_size(); ++i) {
      if (done[static_cast<size_t>(i)]) continue;
      const auto& n = g.node(i);
      if (!std::all_of(n.input().begin(), n.input().end(),
                       [&](const auto& s) { return available.count(s) > 0; }))
        continue;
      for (const auto& o : n.output()) available.insert(o);
      done[static_cast<size_t>(i)] = true;
      order.push_back(i);
      progress = true;
    }
  }
  if (static_cast<int>(order.size()) < g.node_size()) {
    std::set<std::string> produced = known;
    for (const auto& n : g.node())
      for (const auto& o : n.output()) produced.insert(o);
    for (int i = 0; i < g.node_size(); ++i) {
      if (done[static_cast<size_t>(i)]) continue;
      for (const auto& s : g.node(i).input())
        STRATA_CHECK(s.empty() || produced.count(s) > 0,
                     "onnx import: '{}': input '{}' of {} is no graph input, initializer or node output "
                     "(a missing initializer?)",
                     path, s, node_label(g.node(i), i));
    }
    STRATA_FAIL(
        "onnx import: '{}': the graph has a cycle through {}", path,
        node_label(g.node(static_cast<int>(std::find(done.begin(), done.end(), false) - done.begin())), 0));
  }
  return order;
}

std::shared_ptr<const detail::Graph> read_graph(const std::string& path) {
  const ::onnx::ModelProto model = parse_model(path);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  auto graph = std::make_shared<detail::Graph>();
  graph->path = path;
  for (const auto& os : model.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") graph->opset = os.version();
  STRATA_CHECK(graph->opset >= kMinOpset && graph->opset <= kMaxOpset,
               "onnx import: '{}' uses opset {} of the default domain; strata imports opsets {} to {}", path,
               graph->opset, kMinOpset, kMaxOpset);
  const ::onnx::GraphProto& g = model.graph();

  // Every unsupported operator at once, with its nodes.
  std::map<std::string, std::vector<std::string>> unsupported;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
    if (default_domain && detail::find_operator(n.op_type())) continue;
    const std::string op = default_domain ? n.op_type() : n.domain() + "::" + n.op_type();
    unsupported[op].push_back(n.name().empty() ? fmt::format("#{}", i) : n.name());
  }
  if (!unsupported.empty()) {
    std::vector<std::string> parts;
    for (const auto& [op, nodes] : unsupported)
      parts.push_back(
          fmt::format("{} (node{} '{}')", op, nodes.size() > 1 ? "s" : "", fmt::join(nodes, "', '")));
    STRATA_FAIL("onnx import: '{}' (opset {}) uses operators strata does not support: {}", path, graph->opset,
                fmt::join(parts, "; "));
  }

  std::set<std::string> known;
  for (const auto& t : g.initializer()) {
    try {
      graph->initializers.push_back({t.name(), from_tensor_proto(t, base_dir)});
    } catch (const Error& e) {
      throw Error(fmt::format("onnx import: '{}': initializer: {}", path, e.what()));
    }
    known.insert(t.name());
  }
  const auto check_tensor_value = [&](const ::onnx::ValueInfoProto& v, const char* kind) {
    STRATA_CHECK(
        !v.has_type() || v.type().has_tensor_type(),
        "onnx import: '{}': graph {} '{}' is a sequence, map or optional value, which strata does not "
        "support (tensors only)",
        path, kind, v.name());
  };
  for (const auto& v : g.input()) {
    if (known.count(v.name())) continue;  // old exporters list initializers as inputs too
    check_tensor_value(v, "input");
    graph->inputs.push_back(v.name());
  }
  known.insert(graph->inputs.begin(), graph->inputs.end());
  for (const auto& v : g.output()) {
    check_tensor_value(v, "output");
    graph->outputs.push_back(v.name());
  }

  for (int i : topological_order(g, known, path)) {
    const auto& n = g.node(i);
    detail::Node node;
    node.name = n.name().empty() ? fmt::format("#{}", i) : n.name();
    node.op_type = n.op_type();
    node.domain = n.domain();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      try {
        node.attributes[a.name()] = to_attribute(a, base_dir);
      } catch (const Error& e) {
        throw Error(fmt::format("onnx import: '{}': attribute '{}' of {}: {}", path, a.name(),
                                node_label(n, i), e.what()));
      }
    }
    graph->nodes.push_back(std::move(node));
  }
  std::set<std::string> produced = known;
  for (const auto& n : graph->nodes) produced.insert(n.outputs.begin(), n.outputs.end());
  for (const auto& o : graph->outputs)
    STRATA_CHECK(produced.count(o), "onnx import: '{}': graph output '{}' is produced by no node", path, o);
  return graph;
}

bool is_float(const Tensor& t) { return t.defined() && t.is_floating_point(); }

// Splits "a.b.c" into segments; empty when a segment would be empty.
std::vector<std::string> segments(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (out.back().empty()) return {};
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

}  // namespace

std::shared_ptr<OnnxModel> import_model(const std::string& path) {
  return std::make_shared<OnnxModel>(read_graph(path));
}

Tensor load_tensor_proto(const std::string& path) {
  const std::string bytes = read_file(path, "tensor");
  ::onnx::TensorProto t;
  STRATA_CHECK(t.ParseFromString(bytes), "onnx: '{}' is not a serialised TensorProto", path);
  try {
    return from_tensor_proto(t, std::filesystem::path(path).parent_path().string());
  } catch (const Error& e) {
    throw Error(fmt::format("onnx: tensor file '{}': {}", path, e.what()));
  }
}

std::vector<std::string> importable_operators() { return detail::operator_names(); }

std::vector<std::string> model_operators(const std::string& path) {
  const ::onnx::ModelProto model = parse_model(path);
  std::set<std::string> ops;
  for (const auto& n : model.graph().node())
    ops.insert(n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + "::" + n.op_type());
  return {ops.begin(), ops.end()};
}

OnnxModel::OnnxModel(std::shared_ptr<const detail::Graph> graph)
    : nn::Module("OnnxModel"), graph_(std::move(graph)) {
  // Running statistics and the settings some operators take as inputs (Clip's bounds, Pow's exponent, ...)
  // are state, not trainable weights.
  static const std::map<std::string, std::vector<size_t>> kSettings = {{"BatchNormalization", {3, 4}},
                                                                       {"Clip", {1, 2}},
                                                                       {"Pow", {1}},
                                                                       {"Pad", {2}},
                                                                       {"Resize", {1, 2}},
                                                                       {"Dropout", {1}},
                                                                       {"Range", {0, 1, 2}}};
  std::set<std::string> stats;
  for (const auto& n : graph_->nodes) {
    auto it = kSettings.find(n.op_type);
    if (it == kSettings.end()) continue;
    for (size_t i : it->second)
      if (i < n.inputs.size()) stats.insert(n.inputs[i]);
  }
  for (const auto& init : graph_->initializers) {
    // 0-dim floats are a graph's scalar constants (scales, epsilons), not weights.
    const bool parameter = is_float(init.value) && init.value.dim() > 0 && !stats.count(init.name);
    // "layer1.0.weight" registers "weight" in child "layer1" -> "0", so named_parameters keeps the name.
    std::vector<std::string> parts = segments(init.name);
    nn::Module* owner = this;
    if (parts.empty()) parts = {init.name};
    for (size_t i = 0; i + 1 < parts.size() && owner; ++i) {
      nn::Module* next = nullptr;
      for (const auto& [child_name, child] : owner->named_children())
        if (child_name == parts[i]) next = child.get();
      if (!next) {
        const auto sd = owner->state_dict();
        if (sd.count(parts[i])) {
          owner = nullptr;
          break;
        }
        next = owner->register_module(parts[i], std::make_shared<nn::Module>("OnnxScope")).get();
      }
      owner = next;
    }
    std::string leaf = parts.back();
    if (owner) {
      bool taken = false;
      for (const auto& [child_name, child] : owner->named_children()) taken |= child_name == leaf;
      if (taken) owner = nullptr;
    }
    if (!owner) {  // a name clash between a scope and a tensor: keep it flat
      owner = this;
      leaf = init.name;
      std::replace(leaf.begin(), leaf.end(), '.', '_');
    }
    Tensor handle = parameter ? owner->register_parameter(leaf, init.value.clone())
                              : owner->register_buffer(leaf, init.value.clone());
    values_[init.name] = handle;
  }
  // Fold the nodes whose inputs are all constants (Constant, shape arithmetic on integer initializers).
  autograd::NoGradGuard no_grad;
  std::set<std::string> constant;
  for (const auto& [name, value] : values_)
    if (!value.requires_grad()) constant.insert(name);
  for (const auto& n : graph_->nodes) {
    if (n.op_type == "Dropout" || n.op_type == "BatchNormalization" || n.op_type == "RandomNormal") continue;
    if (!std::all_of(n.inputs.begin(), n.inputs.end(),
                     [&](const auto& s) { return s.empty() || constant.count(s); }))
      continue;
    std::vector<Tensor> ins;
    for (const auto& s : n.inputs) ins.push_back(s.empty() ? Tensor() : values_.at(s));
    const std::vector<Tensor> outs = detail::find_operator(n.op_type)({n, ins, graph_->opset, false});
    for (size_t i = 0; i < n.outputs.size() && i < outs.size(); ++i) {
      if (n.outputs[i].empty()) continue;
      values_[n.outputs[i]] = outs[i];
      constant.insert(n.outputs[i]);
    }
  }
}

const std::vector<std::string>& OnnxModel::input_names() const { return graph_->inputs; }
const std::vector<std::string>& OnnxModel::output_names() const { return graph_->outputs; }
int64_t OnnxModel::opset() const { return graph_->opset; }

std::vector<std::string> OnnxModel::node_types() const {
  std::vector<std::string> out;
  for (const auto& n : graph_->nodes) out.push_back(n.op_type);
  return out;
}

std::string OnnxModel::extra_repr() const {
  return fmt::format("file='{}', opset={}, nodes={}, inputs=[{}], outputs=[{}]", graph_->path, graph_->opset,
                     graph_->nodes.size(), fmt::join(graph_->inputs, ", "), fmt::join(graph_->outputs, ", "));
}

Tensor OnnxModel::forward(const Tensor& input) {
  STRATA_CHECK(graph_->inputs.size() == 1,
               "OnnxModel: '{}' takes {} inputs ({}); pass them as a vector or map", graph_->path,
               graph_->inputs.size(), fmt::join(graph_->inputs, ", "));
  return run({input}).at(0);
}

std::vector<Tensor> OnnxModel::forward(const std::vector<Tensor>& inputs) { return run(inputs); }

std::map<std::string, Tensor> OnnxModel::forward(const std::map<std::string, Tensor>& inputs) {
  std::vector<Tensor> ordered;
  for (const auto& name : graph_->inputs) {
    auto it = inputs.find(name);
    STRATA_CHECK(it != inputs.end(), "OnnxModel: input '{}' of '{}' is not given", name, graph_->path);
    ordered.push_back(it->second);
  }
  STRATA_CHECK(inputs.size() == ordered.size(), "OnnxModel: '{}' takes inputs [{}], got {} tensors",
               graph_->path, fmt::join(graph_->inputs, ", "), inputs.size());
  const std::vector<Tensor> outs = run(ordered);
  std::map<std::string, Tensor> named;
  for (size_t i = 0; i < outs.size(); ++i) named[graph_->outputs[i]] = outs[i];
  return named;
}

std::vector<Tensor> OnnxModel::run(const std::vector<Tensor>& inputs) {
  STRATA_CHECK(inputs.size() == graph_->inputs.size(), "OnnxModel: '{}' takes {} inputs ([{}]), got {}",
               graph_->path, graph_->inputs.size(), fmt::join(graph_->inputs, ", "), inputs.size());
  std::map<std::string, Tensor> table = values_;
  for (size_t i = 0; i < inputs.size(); ++i) table[graph_->inputs[i]] = inputs[i];
  // A model converted with to(kFloat64) runs its folded floating constants in f64 as well.
  const auto params = parameters();
  if (!params.empty() && params.front().dtype() != kFloat32) {
    const Dtype dt = params.front().dtype();
    for (auto& [value_name, v] : table)
      if (v.defined() && v.is_floating_point() && v.dtype() != dt && !v.requires_grad()) v = v.to(dt);
  }
  const bool training = is_training();
  std::vector<Tensor> ins;
  for (const auto& n : graph_->nodes) {
    if (!n.outputs.empty() && values_.count(n.outputs[0])) continue;  // folded at import
    ins.clear();
    for (const auto& s : n.inputs) ins.push_back(s.empty() ? Tensor() : table.at(s));
    std::vector<Tensor> outs;
    try {
      outs = detail::find_operator(n.op_type)({n, ins, graph_->opset, training});
    } catch (const Error& e) {
      std::vector<std::string> shapes;
      for (const auto& t : ins) shapes.push_back(t.defined() ? t.shape().str() : "-");
      throw Error(fmt::format("onnx {} with inputs [{}]: {}", n.label(), fmt::join(shapes, ", "), e.what()));
    }
    for (size_t i = 0; i < n.outputs.size() && i < outs.size(); ++i)
      if (!n.outputs[i].empty()) table[n.outputs[i]] = outs[i];
  }
  std::vector<Tensor> outs;
  for (const auto& o : graph_->outputs) outs.push_back(table.at(o));
  return outs;
}

}  // namespace strata::onnx
