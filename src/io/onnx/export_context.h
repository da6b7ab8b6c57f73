#pragma once
// The state of one ONNX export: the graph being written, unique value names, and the registry of per-module
// exporters (keyed by Module::type_name()) that write each layer's nodes. Exporters receive their inputs as
// Values: an ONNX value name plus the example tensor strata computed for it, so they know ranks and static
// sizes; the batch dimension is kept symbolic in every shape they write.
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/onnx/proto.h"
#include "strata/nn/module.h"

namespace strata::onnx {

// An ONNX value and the tensor strata computes for it on the example inputs. An empty name stands for an
// omitted optional argument (PyTorch's None), e.g. a mask the traced call did not pass.
struct Value {
  std::string name;
  Tensor example;
  // True when the value exists (an omitted optional argument has no name).
  bool present() const { return !name.empty(); }
};

class ExportContext;

// Writes the nodes of one module kind: `path` is the module's dotted path in the model ("" for the root),
// `inputs` its inputs; returns its outputs (the first is what forward() returns).
using ModuleExporter = std::function<std::vector<Value>(
    ExportContext& ctx, nn::Module& module, const std::string& path, const std::vector<Value>& inputs)>;

// The exporter registered for `type_name`, or null.
const ModuleExporter* find_exporter(const std::string& type_name);
// Registers `fn` for modules whose type_name() is `type_name` (replacing any earlier one).
void register_exporter(const std::string& type_name, ModuleExporter fn);
// Registers the layer, container and model exporters (idempotent; export_model calls it).
void register_builtin_exporters();
// The parts of register_builtin_exporters: layers and containers (export_layers.cpp), recurrent layers
// (export_rnn.cpp), attention and Transformer layers (export_attention.cpp), zoo models (export_models.cpp).
void register_layer_exporters();
void register_rnn_exporters();
void register_attention_exporters();
void register_gpt_exporters();
void register_model_exporters();
// Positional encodings (export_positional.cpp), the zoo's text models (export_text_models.cpp).
void register_positional_exporters();
void register_text_model_exporters();

// An ONNX attribute: int, float, string, ints or floats.
struct Attr {
  std::string name;
  ::onnx::AttributeProto proto;
  Attr(std::string n, int64_t v);
  Attr(std::string n, int v) : Attr(std::move(n), static_cast<int64_t>(v)) {}
  Attr(std::string n, double v);
  Attr(std::string n, const char* v);
  Attr(std::string n, const std::string& v);
  Attr(std::string n, const std::vector<int64_t>& v);
  Attr(std::string n, const std::vector<float>& v);
  Attr(std::string n, const std::vector<std::string>& v);
  // A tensor attribute (e.g. ConstantOfShape's value).
  Attr(std::string n, const Tensor& v);
  // A graph attribute (a Scan or Loop body).
  Attr(std::string n, const ::onnx::GraphProto& v);
};

class ExportContext {
 public:
  ExportContext(::onnx::GraphProto& graph, int64_t opset) : graph_(graph), opset_(opset) {}

  int64_t opset() const { return opset_; }
  // Exports `module` (found by its type_name()) at `path`; unsupported types raise naming path and type.
  std::vector<Value> export_module(nn::Module& module, const std::string& path,
                                   const std::vector<Value>& inputs);
  // Exports a child: path "parent.name" (or "name" at the root).
  Value child(nn::Module& module, const std::string& parent, const std::string& name, const Value& input);

  // Adds `tensor` as an initializer named after `hint` (made unique); returns its name.
  std::string initializer(const Tensor& tensor, const std::string& hint);
  // An int64 constant initializer [values.size()] (a 0-dim one when scalar).
  std::string ints(const std::vector<int64_t>& values, const std::string& hint = "const",
                   bool scalar = false);
  // A float constant of the example's dtype, 0-dim.
  std::string scalar(double value, Dtype dtype, const std::string& hint = "const");
  // Adds node `op` reading `inputs` ("" for an omitted optional input); returns its `outputs` fresh value
  // names made from `hint`.
  std::vector<std::string> node(const std::string& op, const std::vector<std::string>& inputs,
                                const std::string& hint, std::vector<Attr> attrs = {}, int outputs = 1);
  // node() with one output.
  std::string op(const std::string& op, const std::vector<std::string>& inputs, const std::string& hint,
                 std::vector<Attr> attrs = {}) {
    return node(op, inputs, hint, std::move(attrs), 1)[0];
  }
  // A fresh value name from `hint`.
  std::string fresh(const std::string& hint);
  // A Reshape of `x` to `dims` where dims[0] == 0 keeps the (dynamic) batch dimension: no -1, so it works for
  // batch 0.
  std::string reshape(const std::string& x, const std::vector<int64_t>& dims, const std::string& hint);

  // The run-time sequence lengths (i64 [B]) computed for a padding-aware model, keyed by the
  // nn::SequenceMask they belong to: a masking embedding records them, its recurrent layers and pools read
  // them.
  std::map<const void*, std::string> sequence_lengths;

 private:
  ::onnx::GraphProto& graph_;
  int64_t opset_;
  std::set<std::string> names_;
  std::map<std::string, int> counters_;
};

// Multi-head attention of x [B, T, E] (batch first) with itself: q/k/v projections by w[i] (and b[i] when
// defined), H heads, softmax(q k^T / sqrt(D)) v (with a causal mask when `causal`), heads merged to [B, T,
// E]; `base` names the initializers, `h` the nodes. B and T stay dynamic. Returns the merged value (before
// any output projection).
std::string attention_heads(ExportContext& ctx, const std::string& x, const std::vector<Tensor>& w,
                            const std::vector<Tensor>& b, int64_t H, Dtype dtype, bool causal,
                            const std::string& base, const std::string& h);
// The masks of one attention call (absent ones have empty names): key_padding_mask [B, S] and attn_mask [L,
// S] or [B * heads, L, S], u8 (nonzero = blocked) or float (added); is_causal adds the causal mask.
struct AttentionMasks {
  Value key_padding_mask{};
  Value attn_mask{};
  bool is_causal = false;
};
// MultiheadAttention `m` at `path` on query [L, B, E] / key [S, B, kdim] / value [S, B, vdim] ([B, ., .] with
// batch_first) with `masks` (graph inputs or initializers the caller made): the output, in the layer's
// layout. Sequence lengths stay dynamic (reshapes copy dims, the causal mask is built from the shapes).
Value export_attention(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& query,
                       const Value& key, const Value& value, const AttentionMasks& masks);
// The masks of an encoder (layer) call, as nn::EncoderMasks.
struct EncoderMaskValues {
  Value src_mask{};
  Value src_key_padding_mask{};
  bool is_causal = false;
};
// The masks of a decoder (layer) call, as nn::DecoderMasks.
struct DecoderMaskValues {
  Value tgt_mask{}, memory_mask{}, tgt_key_padding_mask{}, memory_key_padding_mask{};
  bool tgt_is_causal = false, memory_is_causal = false;
};
// TransformerEncoder(Layer) `m` at `path` on src with `masks`; the output.
Value export_encoder(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& src,
                     const EncoderMaskValues& masks);
// TransformerDecoder(Layer) `m` at `path` on tgt attending to memory with `masks`; the output.
Value export_decoder(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& tgt,
                     const Value& memory, const DecoderMaskValues& masks);

// The 0-dim int64 size of dimension `dim` of `x` at run time.
std::string dim_size(ExportContext& ctx, const std::string& x, int64_t dim, const std::string& hint);

[[noreturn]] void throw_not_the_layer(nn::Module& m, const std::string& path);
// `m` as the layer class T its type name announces; a wrapper reusing the name (a different class) raises
// naming the path and type instead.
template <typename T>
T& checked_cast(nn::Module& m, const std::string& path) {
  auto* p = dynamic_cast<T*>(&m);
  if (p == nullptr) {
    throw_not_the_layer(m, path);
  }
  return *p;
}
// `prefix.name`, or `name` when prefix is empty.
std::string join_path(const std::string& prefix, const std::string& name);
// The direct child `name` of `module`; throws naming the path when absent.
nn::Module& child_of(nn::Module& module, const std::string& name, const std::string& path);
// The parameter or buffer `name` of `module` itself (not of children); undefined when absent.
Tensor own_tensor(nn::Module& module, const std::string& name);

}  // namespace strata::onnx
