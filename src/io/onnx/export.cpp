// export_model: writes a strata module as an ONNX model by walking it with the per-module exporters
// (export_layers.cpp, export_models.cpp), then checks the file with libonnx's checker.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "io/onnx/export_context.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/io/onnx.h"

namespace strata::onnx {

namespace {

std::map<std::string, ModuleExporter>& registry() {
  static std::map<std::string, ModuleExporter> r;
  return r;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

// ONNX's IR version for a default-domain opset (opset 15-17: IR 8; 13-14: IR 7).
int64_t ir_version_for(int64_t opset) { return opset >= 15 ? 8 : 7; }

void set_value_info(::onnx::ValueInfoProto* v, const std::string& name, const Tensor& example,
                    const std::map<int64_t, std::string>& dynamic) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(to_onnx_dtype(example.dtype()));
  auto* shape = t->mutable_shape();
  for (int64_t d = 0; d < example.dim(); ++d) {
    auto* dim = shape->add_dim();
    auto it = dynamic.find(d);
    if (it == dynamic.end()) it = dynamic.find(d - example.dim());
    if (it != dynamic.end()) {
      dim->set_dim_param(it->second);
    } else {
      dim->set_dim_value(example.size(d));
    }
  }
}

// Moves initializers of at least `threshold` bytes into `<model file name>.data` beside the model.
void move_to_external_data(::onnx::ModelProto& model, const std::string& path, int64_t threshold) {
  const std::string data_name = std::filesystem::path(path).filename().string() + ".data";
  const std::string data_path = (std::filesystem::path(path).parent_path() / data_name).string();
  std::ofstream out(data_path, std::ios::binary | std::ios::trunc);
  STRATA_CHECK(out.good(), "onnx::export_model: cannot create external data file {}", data_path);
  int64_t offset = 0;
  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    const int64_t bytes = static_cast<int64_t>(init.raw_data().size());
    if (bytes < threshold || bytes == 0) continue;
    // Offsets aligned to 4 KiB, as onnx's own writer does (lets readers map the file).
    const int64_t aligned = (offset + 4095) / 4096 * 4096;
    if (aligned > offset) {
      const std::string pad(static_cast<size_t>(aligned - offset), '\0');
      out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
    }
    out.write(init.raw_data().data(), bytes);
    auto add = [&](const std::string& key, const std::string& value) {
      auto* kv = init.add_external_data();
      kv->set_key(key);
      kv->set_value(value);
    };
    add("location", data_name);
    add("offset", std::to_string(aligned));
    add("length", std::to_string(bytes));
    init.set_data_location(::onnx::TensorProto::EXTERNAL);
    init.clear_raw_data();
    offset = aligned + bytes;
  }
  out.close();
  STRATA_CHECK(out.good(), "onnx::export_model: cannot write external data file {}", data_path);
}

}  // namespace

// ---- Attr ----------------------------------------------------------------------------------------------

Attr::Attr(std::string n, int64_t v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::INT);
  proto.set_i(v);
}
Attr::Attr(std::string n, double v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::FLOAT);
  proto.set_f(static_cast<float>(v));
}
Attr::Attr(std::string n, const char* v) : Attr(std::move(n), std::string(v)) {}
Attr::Attr(std::string n, const std::string& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::STRING);
  proto.set_s(v);
}
Attr::Attr(std::string n, const std::vector<int64_t>& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::INTS);
  for (int64_t x : v) proto.add_ints(x);
}
Attr::Attr(std::string n, const std::vector<float>& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::FLOATS);
  for (float x : v) proto.add_floats(x);
}
Attr::Attr(std::string n, const std::vector<std::string>& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::STRINGS);
  for (const auto& x : v) proto.add_strings(x);
}

Attr::Attr(std::string n, const Tensor& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::TENSOR);
  *proto.mutable_t() = to_tensor_proto(v.detach().contiguous(), "");
}
Attr::Attr(std::string n, const ::onnx::GraphProto& v) : name(std::move(n)) {
  proto.set_type(::onnx::AttributeProto::GRAPH);
  *proto.mutable_g() = v;
}

// ---- registry ------------------------------------------------------------------------------------------

const ModuleExporter* find_exporter(const std::string& type_name) {
  std::lock_guard lock(registry_mutex());
  auto it = registry().find(type_name);
  return it == registry().end() ? nullptr : &it->second;
}

void register_builtin_exporters() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_layer_exporters();
    register_rnn_exporters();
    register_attention_exporters();
    register_gpt_exporters();
    register_model_exporters();
    register_positional_exporters();
    register_text_model_exporters();
  });
}

void register_exporter(const std::string& type_name, ModuleExporter fn) {
  std::lock_guard lock(registry_mutex());
  registry()[type_name] = std::move(fn);
}

// ---- ExportContext -------------------------------------------------------------------------------------

std::string join_path(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

nn::Module& child_of(nn::Module& module, const std::string& name, const std::string& path) {
  for (const auto& [n, m] : module.named_children()) {
    if (n == name && m) return *m;
  }
  STRATA_CHECK(false, "onnx::export_model: module '{}' ({}) has no child '{}'",
               path.empty() ? "<root>" : path, module.type_name(), name);
  return module;
}

void throw_not_the_layer(nn::Module& m, const std::string& path) {
  throw Error(
      fmt::format("onnx::export_model: module '{}' has type name {} but is another class (a wrapper or "
                  "subclass with its own "
                  "forward), which has no ONNX exporter",
                  path.empty() ? "<root>" : path, m.type_name()));
}

Tensor own_tensor(nn::Module& module, const std::string& name) {
  for (const auto& [n, t] : module.named_parameters(false)) {
    if (n == name) return t;
  }
  for (const auto& [n, t] : module.named_buffers(false)) {
    if (n == name) return t;
  }
  return {};
}

std::vector<Value> ExportContext::export_module(nn::Module& module, const std::string& path,
                                                const std::vector<Value>& inputs) {
  const ModuleExporter* fn = find_exporter(module.type_name());
  STRATA_CHECK(
      fn != nullptr,
      "onnx::export_model: module '{}' of type {} has no ONNX exporter (see docs/onnx.md for the layers "
      "that export)",
      path.empty() ? "<root>" : path, module.type_name());
  std::vector<Value> out = (*fn)(*this, module, path, inputs);
  STRATA_CHECK(!out.empty(), "onnx::export_model: exporter of {} ('{}') produced no output",
               module.type_name(), path);
  return out;
}

Value ExportContext::child(nn::Module& module, const std::string& parent, const std::string& name,
                           const Value& input) {
  const std::string path = join_path(parent, name);
  return export_module(child_of(module, name, parent), path, {input})[0];
}

std::string ExportContext::fresh(const std::string& hint) {
  std::string base = hint.empty() ? "v" : hint;
  std::string name = base;
  while (names_.count(name)) name = fmt::format("{}_{}", base, ++counters_[base]);
  names_.insert(name);
  return name;
}

std::string ExportContext::initializer(const Tensor& tensor, const std::string& hint) {
  const std::string name = fresh(hint);
  *graph_.add_initializer() = to_tensor_proto(tensor.detach(), name);
  return name;
}

std::string ExportContext::ints(const std::vector<int64_t>& values, const std::string& hint, bool scalar) {
  Tensor t = from_vector<int64_t>(values, scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())});
  return initializer(t, hint);
}

std::string ExportContext::scalar(double value, Dtype dtype, const std::string& hint) {
  return initializer(scalar_tensor(value, {.dtype = dtype}), hint);
}

std::vector<std::string> ExportContext::node(const std::string& op, const std::vector<std::string>& inputs,
                                             const std::string& hint, std::vector<Attr> attrs, int outputs) {
  auto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(fresh(hint + "/" + op));
  for (const auto& in : inputs) n->add_input(in);
  std::vector<std::string> outs;
  for (int i = 0; i < outputs; ++i) {
    outs.push_back(fresh(outputs == 1 ? hint : fmt::format("{}_{}", hint, i)));
    n->add_output(outs.back());
  }
  for (auto& a : attrs) {
    a.proto.set_name(a.name);
    *n->add_attribute() = std::move(a.proto);
  }
  return outs;
}

std::string ExportContext::reshape(const std::string& x, const std::vector<int64_t>& dims,
                                   const std::string& hint) {
  return op("Reshape", {x, ints(dims, hint + "/shape")}, hint);
}

// ---- export_model --------------------------------------------------------------------------------------

void export_model(nn::Module& module, const std::vector<Tensor>& example_inputs, const std::string& path,
                  const ExportOptions& options) {
  STRATA_CHECK(options.opset >= 13 && options.opset <= 17,
               "onnx::export_model: opset {} is not supported (13..17; libonnx 1.12 knows up to 17)",
               options.opset);
  STRATA_CHECK(!example_inputs.empty(), "onnx::export_model: needs at least one example input");
  STRATA_CHECK(options.input_names.empty() || options.input_names.size() == example_inputs.size(),
               "onnx::export_model: {} input names for {} example inputs", options.input_names.size(),
               example_inputs.size());
  register_builtin_exporters();

  const bool was_training = module.is_training();
  module.eval();
  autograd::NoGradGuard no_grad;
  struct RestoreMode {
    nn::Module& m;
    bool training;
    ~RestoreMode() { m.train(training); }
  } restore{module, was_training};

  ::onnx::ModelProto model;
  model.set_ir_version(ir_version_for(options.opset));
  model.set_producer_name("strata");
  model.set_producer_version("0.1.0");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  auto& graph = *model.mutable_graph();
  graph.set_name(module.type_name());
  ExportContext ctx(graph, options.opset);

  std::vector<Value> inputs;
  for (size_t i = 0; i < example_inputs.size(); ++i) {
    const Tensor& x = example_inputs[i];
    // An undefined example after the first is an omitted optional argument (PyTorch's None): no graph input.
    STRATA_CHECK(x.defined() || i > 0, "onnx::export_model: example input {} is undefined", i);
    if (!x.defined()) {
      inputs.push_back({});
      continue;
    }
    std::string name = !options.input_names.empty() ? options.input_names[i]
                       : example_inputs.size() == 1 ? "input"
                                                    : fmt::format("input_{}", i);
    STRATA_CHECK(ctx.fresh(name) == name, "onnx::export_model: input name '{}' is used twice", name);
    auto dyn = options.dynamic_axes.find(name);
    set_value_info(graph.add_input(), name, x.detach(),
                   dyn == options.dynamic_axes.end() ? std::map<int64_t, std::string>{} : dyn->second);
    inputs.push_back({name, x.detach()});
  }
  for (const auto& [name, axes] : options.dynamic_axes) {
    (void)axes;
    const bool known =
        std::find(options.output_names.begin(), options.output_names.end(), name) !=
            options.output_names.end() ||
        std::any_of(inputs.begin(), inputs.end(), [&](const Value& v) { return v.name == name; }) ||
        (options.output_names.empty() && name.rfind("output", 0) == 0);
    STRATA_CHECK(
        known, "onnx::export_model: dynamic_axes names '{}', which is neither an input nor an output", name);
  }

  const std::vector<Value> outputs = ctx.export_module(module, "", inputs);
  STRATA_CHECK(options.output_names.empty() || options.output_names.size() == outputs.size(),
               "onnx::export_model: {} output names for the {} outputs of {}", options.output_names.size(),
               outputs.size(), module.type_name());
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string name = !options.output_names.empty() ? options.output_names[i]
                       : outputs.size() == 1         ? "output"
                                                     : fmt::format("output_{}", i);
    STRATA_CHECK(ctx.fresh(name) == name, "onnx::export_model: output name '{}' is already used", name);
    auto* n = graph.add_node();
    n->set_op_type("Identity");
    n->set_name(name + "/Identity");
    n->add_input(outputs[i].name);
    n->add_output(name);
    auto dyn = options.dynamic_axes.find(name);
    set_value_info(graph.add_output(), name, outputs[i].example,
                   dyn == options.dynamic_axes.end() ? std::map<int64_t, std::string>{} : dyn->second);
  }

  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  STRATA_CHECK(parent.empty() || std::filesystem::is_directory(parent),
               "onnx::export_model: folder {} of {} does not exist", parent.string(), path);
  if (static_cast<int64_t>(model.ByteSizeLong()) > options.external_data_total_bytes) {
    move_to_external_data(model, path, options.external_data_threshold_bytes);
  }
  write_model(model, path);
  check_model(path);
}

}  // namespace strata::onnx
