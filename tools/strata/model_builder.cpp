#include "model_builder.h"

#include "sequence_layers.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/models.h"
#include "strata/models/gpt.h"
#include "strata/models/zoo.h"
#include "strata/nn.h"
#include "strata/nn/graph_builder.h"
#include "strata/train/training_module.h"

namespace strata::cli {
namespace {

using nn::ArgKind;
using nn::ArgSpec;
using nn::LayerArgs;
using S = std::shared_ptr<nn::Module>;

std::optional<int64_t> last_dim(const Shape& s) {
  if (s.empty()) return std::nullopt;
  return s.back();
}

// The layers of config-built models: the library's, with the sequence layers swapped for versions that
// share one padding mask per model (sequence_layers.h) and return_sequences for the recurrent ones.
nn::LayerRegistry config_layers(const SequenceMaskPtr& mask) {
  nn::LayerRegistry r = nn::layer_registry();
  auto opt = [](std::string name, ArgKind kind, nn::ArgValue fallback,
                std::vector<std::string> choices = {}) {
    return ArgSpec{.name = std::move(name),
                   .kind = kind,
                   .fallback = std::move(fallback),
                   .choices = std::move(choices)};
  };
  const ArgSpec input_size{.name = "input_size", .kind = ArgKind::Int, .infer = last_dim};
  const ArgSpec hidden_size{.name = "hidden_size", .kind = ArgKind::Int};
  const std::vector<ArgSpec> recurrent_tail{opt("bias", ArgKind::Bool, true),
                                            opt("dropout", ArgKind::Float, 0.0),
                                            opt("bidirectional", ArgKind::Bool, false)};
  r.add({"embedding",
         "token ids -> vectors; with padding_idx it marks where each sequence ends for the layers after it",
         {{.name = "num_embeddings", .kind = ArgKind::Int},
          {.name = "embedding_dim", .kind = ArgKind::Int},
          opt("padding_idx", ArgKind::Int, "none")},
         [mask](const LayerArgs& a) -> S {
           return std::make_shared<MaskingEmbeddingImpl>(a.integer("num_embeddings"),
                                                         a.integer("embedding_dim"),
                                                         a.optional_integer("padding_idx"), mask);
         }});
  std::vector<ArgSpec> rnn_args{input_size, hidden_size, opt("num_layers", ArgKind::Int, 1),
                                opt("nonlinearity", ArgKind::String, "tanh", {"tanh", "relu"})};
  rnn_args.insert(rnn_args.end(), recurrent_tail.begin(), recurrent_tail.end());
  rnn_args.push_back(opt("return_sequences", ArgKind::Bool, true));
  r.add({"rnn", "Elman RNN over [batch, steps, features] (batch first)", rnn_args,
         [mask](const LayerArgs& a) -> S {
           return std::make_shared<MaskedRNNImpl>(
               a.integer("input_size"), a.integer("hidden_size"),
               nn::RNNOptions{.num_layers = a.integer("num_layers"),
                              .nonlinearity = a.text("nonlinearity") == "relu" ? nn::RNNNonlinearity::Relu
                                                                               : nn::RNNNonlinearity::Tanh,
                              .bias = a.boolean("bias"),
                              .batch_first = true,
                              .dropout = a.number("dropout"),
                              .bidirectional = a.boolean("bidirectional")},
               a.boolean("return_sequences"), mask);
         }});
  std::vector<ArgSpec> lstm_args{input_size, hidden_size, opt("num_layers", ArgKind::Int, 1)};
  lstm_args.insert(lstm_args.end(), recurrent_tail.begin(), recurrent_tail.end());
  lstm_args.push_back(opt("proj_size", ArgKind::Int, 0));
  lstm_args.push_back(opt("return_sequences", ArgKind::Bool, true));
  r.add({"lstm", "LSTM over [batch, steps, features] (batch first)", lstm_args,
         [mask](const LayerArgs& a) -> S {
           return std::make_shared<MaskedLSTMImpl>(
               a.integer("input_size"), a.integer("hidden_size"),
               nn::LSTMOptions{.num_layers = a.integer("num_layers"),
                               .bias = a.boolean("bias"),
                               .batch_first = true,
                               .dropout = a.number("dropout"),
                               .bidirectional = a.boolean("bidirectional"),
                               .proj_size = a.integer("proj_size")},
               a.boolean("return_sequences"), mask);
         }});
  std::vector<ArgSpec> gru_args{input_size, hidden_size, opt("num_layers", ArgKind::Int, 1)};
  gru_args.insert(gru_args.end(), recurrent_tail.begin(), recurrent_tail.end());
  gru_args.push_back(opt("return_sequences", ArgKind::Bool, true));
  r.add({"gru", "GRU over [batch, steps, features] (batch first)", gru_args, [mask](const LayerArgs& a) -> S {
           return std::make_shared<MaskedGRUImpl>(a.integer("input_size"), a.integer("hidden_size"),
                                                  nn::GRUOptions{.num_layers = a.integer("num_layers"),
                                                                 .bias = a.boolean("bias"),
                                                                 .batch_first = true,
                                                                 .dropout = a.number("dropout"),
                                                                 .bidirectional = a.boolean("bidirectional")},
                                                  a.boolean("return_sequences"), mask);
         }});
  r.add({"global_avg_pool1d",
         "[batch, steps, features] -> [batch, features]: the mean over the real steps",
         {},
         [mask](const LayerArgs&) -> S {
           return std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Avg, mask);
         }});
  r.add({"global_max_pool1d",
         "[batch, steps, features] -> [batch, features]: the maximum over the real steps",
         {},
         [mask](const LayerArgs&) -> S {
           return std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Max, mask);
         }});
  return r;
}

// Reads the YAML of layers, graph nodes and blocks into nn::GraphSpec. Every node remembers "file:line".
class SpecReader {
 public:
  explicit SpecReader(std::string path) : path_(std::move(path)) {}

  std::string where(const YAML::Node& n) const { return fmt::format("{}:{}", path_, n.Mark().line + 1); }

  [[noreturn]] void fail(const std::string& where, const std::string& message) const {
    throw Error(fmt::format("{}: {}", where, message));
  }

  nn::ArgValue value(const YAML::Node& v, const std::string& where, const std::string& what) const {
    if (v.IsScalar()) return nn::ArgValue(v.Scalar());
    if (v.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& item : v) {
        if (!item.IsScalar())
          fail(where, fmt::format("{}: a list of plain values is expected, got a nested {}", what,
                                  item.IsMap() ? "map" : "list"));
        items.push_back(item.Scalar());
      }
      return nn::ArgValue::list(std::move(items));
    }
    fail(where, fmt::format("{} must be a value or a list of values", what));
  }

  // The arguments of `op` as written after its name: nothing, a scalar, a list (by position) or a map.
  void arguments(nn::NodeSpec& node, const YAML::Node& v) const {
    if (!v.IsDefined() || v.IsNull()) return;
    const std::string what = fmt::format("the arguments of '{}'", node.op);
    if (node.op == "sequential") {
      if (!v.IsSequence() || v.size() == 0) fail(node.where, "'sequential' takes a non-empty list of layers");
      node.body = nodes(v);
      return;
    }
    if (v.IsScalar()) {
      node.scalar = nn::ArgValue(v.Scalar());
    } else if (v.IsSequence()) {
      for (const auto& item : v) node.positional.push_back(value(item, node.where, what));
    } else if (v.IsMap()) {
      for (const auto& kv : v) {
        node.args[kv.first.Scalar()] =
            value(kv.second, where(kv.second), "argument '" + kv.first.Scalar() + "'");
      }
    }
  }

  // A node of a graph (or of a chain): "relu", or a map with one type plus optional name, from and repeat.
  nn::NodeSpec node(const YAML::Node& item) const {
    nn::NodeSpec n{.where = where(item)};
    if (item.IsScalar()) {
      n.op = item.Scalar();
      return n;
    }
    if (!item.IsMap()) {
      fail(n.where,
           "a node is a layer name ('relu') or a map ('conv2d: {out: 16, kernel: 3}', optionally with "
           "name, from and repeat)");
    }
    YAML::Node args;
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      if (key == "name") {
        n.name = scalar(kv.second, n.where, "name");
      } else if (key == "from") {
        if (kv.second.IsScalar()) {
          n.from = {kv.second.Scalar()};
        } else {
          for (const auto& f : value(kv.second, n.where, "'from'").items) n.from.push_back(f);
        }
      } else if (key == "repeat") {
        try {
          n.repeat = kv.second.as<int64_t>();
        } catch (const YAML::Exception&) {
          fail(n.where, fmt::format("'repeat' must be an integer, got '{}'", kv.second.Scalar()));
        }
      } else if (n.op.empty()) {
        n.op = key;
        args = kv.second;
      } else {
        fail(n.where, fmt::format("a node has one type, got '{}' and '{}' (other keys: name, from, repeat)",
                                  n.op, key));
      }
    }
    if (n.op.empty()) fail(n.where, "the node names no layer or block");
    // A merge may list its inputs in place of arguments: "add: [bn2, input]".
    if ((n.op == "add" || n.op == "mul" || n.op == "concat") && args.IsSequence()) {
      if (!n.from.empty())
        fail(n.where, fmt::format("'{}' lists its inputs twice ('from' and its list)", n.op));
      for (const auto& f : value(args, n.where, "the inputs of '" + n.op + "'").items) n.from.push_back(f);
      return n;
    }
    arguments(n, args);
    return n;
  }

  std::vector<nn::NodeSpec> nodes(const YAML::Node& list) const {
    std::vector<nn::NodeSpec> out;
    for (const auto& item : list) out.push_back(node(item));
    return out;
  }

  // model.blocks.NAME: {params: [a, b] or {a: default}, graph: [...], output: node}
  nn::BlockSpec block(const std::string& name, const YAML::Node& b) const {
    nn::BlockSpec spec{.where = where(b)};
    if (!b.IsMap())
      fail(spec.where, fmt::format("block '{}' must be a map with 'graph' (and 'params', 'output')", name));
    for (const auto& kv : b) {
      const std::string key = kv.first.Scalar();
      if (key != "params" && key != "graph" && key != "output") {
        fail(where(kv.first), fmt::format("block '{}' has no field '{}'{} (fields: params, graph, output)",
                                          name, key, did_you_mean(key, {"params", "graph", "output"})));
      }
    }
    const YAML::Node params = b["params"];
    if (params.IsSequence()) {
      for (const auto& p : params)
        spec.params.emplace_back(scalar(p, spec.where, "a parameter"), std::nullopt);
    } else if (params.IsMap()) {
      for (const auto& kv : params) {
        std::optional<nn::ArgValue> fallback;
        if (kv.second.IsDefined() && !kv.second.IsNull())
          fallback = value(kv.second, spec.where, "a default");
        spec.params.emplace_back(kv.first.Scalar(), fallback);
      }
    } else if (params.IsDefined() && !params.IsNull()) {
      fail(spec.where, fmt::format("block '{}': 'params' must list names or map names to defaults", name));
    }
    const YAML::Node graph = b["graph"];
    if (!graph.IsSequence() || graph.size() == 0)
      fail(spec.where, fmt::format("block '{}' needs a 'graph' list", name));
    spec.nodes = nodes(graph);
    if (b["output"].IsDefined()) spec.output = scalar(b["output"], spec.where, "output");
    return spec;
  }

  std::map<std::string, nn::BlockSpec> blocks(const YAML::Node& b) const {
    std::map<std::string, nn::BlockSpec> out;
    if (!b.IsDefined() || b.IsNull()) return out;
    for (const auto& kv : b) {
      const std::string name = kv.first.Scalar();
      if (nn::layer_registry().find(name)) {
        fail(where(kv.first), fmt::format("block '{}' has the name of a layer; choose another name", name));
      }
      out.emplace(name, block(name, kv.second));
    }
    return out;
  }

 private:
  std::string scalar(const YAML::Node& v, const std::string& where, const std::string& what) const {
    if (!v.IsScalar()) fail(where, fmt::format("{} must be a name", what));
    return v.Scalar();
  }
  std::string path_;
};

// The spec of the config's `layers` or `graph`.
nn::GraphSpec model_spec(const Config& c) {
  const ModelConfig& m = c.model;
  SpecReader reader(c.path);
  nn::GraphSpec spec;
  spec.blocks = reader.blocks(m.blocks);
  if (m.graph.IsDefined() && !m.graph.IsNull()) {
    spec.nodes = reader.nodes(m.graph);
    spec.output = m.output;
    return spec;
  }
  spec.sequential = true;
  for (const LayerSpec& l : m.layers) {
    nn::NodeSpec n{.name = l.name, .op = l.type, .repeat = l.repeat, .where = l.where};
    reader.arguments(n, l.args);
    spec.nodes.push_back(std::move(n));
  }
  return spec;
}

std::shared_ptr<nn::Module> named_model(const ModelConfig& m) {
  if (m.name == "lenet5") return models::lenet5(m.classes).ptr();
  return models::mlp(m.sizes, m.dropout).ptr();
}

// A named model, checked against the input when one is given.
std::shared_ptr<nn::Module> build_named(const ModelConfig& m, const Shape& input_shape, Dtype input_dtype) {
  try {
    std::shared_ptr<nn::Module> net = named_model(m);
    if (!input_shape.empty()) {
      NoGradGuard no_grad;
      net->eval();
      net->forward(zeros(input_shape, {.dtype = input_dtype}));
      net->train();
    }
    return net;
  } catch (const Error& e) {
    throw Error(fmt::format("{}: model '{}' (input {}): {}", m.where, m.name, input_shape.str(), e.what()));
  }
}

// A language model's logits [B, T, V] as text-lm's targets line up: [B * T, V]. It holds the model's
// children as its own, so parameter names (and checkpoints) stay the model's.
class FlattenedLogits : public nn::Module {
 public:
  explicit FlattenedLogits(std::shared_ptr<nn::Module> model)
      : nn::Module(model->type_name()), model(std::move(model)) {
    for (const auto& [name, child] : this->model->named_children()) register_module(name, child);
  }
  Tensor forward(const Tensor& x) override { return model->forward(x).flatten(0, 1); }
  void train(bool on) override {
    nn::Module::train(on);
    model->train(on);
  }
  std::string extra_repr() const override { return model->extra_repr(); }
  std::shared_ptr<nn::Module> model;
};

// A zoo model; in_channels (or mlp's input size), the text models' vocabulary and padding id, and gpt's
// block_size left out take the data's.
std::shared_ptr<nn::Module> build_zoo(const ModelConfig& m, const Shape& input_shape, Dtype input_dtype,
                                      int64_t vocab_size = 0, std::optional<int64_t> pad_id = std::nullopt,
                                      bool language_model = false) {
  models::ZooOptions options = m.zoo_options;
  if (options.vocab_size == 0) options.vocab_size = vocab_size;
  if (pad_id && !m.node["pad_id"].IsDefined()) options.pad_id = *pad_id;
  if (!options.in_channels && input_shape.size() == 4) options.in_channels = input_shape[1];
  if (m.zoo == "mlp" && !m.node["sizes"].IsDefined() && input_shape.size() >= 2) {
    options.in_features = input_shape.numel() / input_shape[0];
  }
  if (m.zoo == "gpt") {
    if (!m.node["block_size"].IsDefined() && input_shape.size() == 2) options.block_size = input_shape[1];
  }
  try {
    std::shared_ptr<nn::Module> net = models::create(m.zoo, options);
    if (language_model && m.zoo == "gpt") net = std::make_shared<FlattenedLogits>(net);
    // A training module (dcgan, cgan, wgan_gp) has no single forward to try; its networks check their inputs.
    if (!input_shape.empty() && dynamic_cast<train::TrainingModule*>(net.get()) == nullptr) {
      NoGradGuard no_grad;
      net->eval();
      net->forward(zeros(input_shape, {.dtype = input_dtype}));
      net->train();
    }
    return net;
  } catch (const Error& e) {
    throw Error(
        fmt::format("{}: zoo model '{}' (input {}): {}", m.where, m.zoo, input_shape.str(), e.what()));
  }
}

// Embeddings must cover the vocabulary and, for padded batches, know the padding (it marks where each
// sequence ends for the recurrent layers and pools after them).
void check_embeddings(const nn::BuiltModel& built, const TrainingData& d) {
  for (const auto& [name, module] : built.module->named_modules()) {
    const auto embedding = std::dynamic_pointer_cast<nn::EmbeddingImpl>(module);
    if (!embedding) continue;
    auto at = built.where.find(module.get());
    const std::string where = at == built.where.end() ? name : at->second;
    if (d.vocab_size > 0 && embedding->num_embeddings < d.vocab_size) {
      throw Error(
          fmt::format("{}: layer 'embedding': num_embeddings {} is smaller than the vocabulary of the "
                      "data ({} tokens); write num_embeddings: vocab_size",
                      where, embedding->num_embeddings, d.vocab_size));
    }
    if (d.pad_id && embedding->padding_idx != d.pad_id) {
      throw Error(
          fmt::format("{}: layer 'embedding': the batches are padded with token id {}, so it needs "
                      "padding_idx: {} (got {}); padding marks where each sequence ends",
                      where, *d.pad_id, *d.pad_id,
                      embedding->padding_idx ? std::to_string(*embedding->padding_idx) : "none"));
    }
  }
}

// Where the model's last layer was written, for messages about its output.
std::string output_where(const Config& c) {
  if (!c.model.layers.empty()) return c.model.layers.back().where;
  return c.model.where;
}

// The output must fit the targets: one row of vocabulary logits per step for a language model, one
// score per class for a text classifier.
void check_output(const Config& c, const Shape& output, const TrainingData& d) {
  const std::string last = output_where(c);
  if (c.data.dataset == "text-lm") {
    const int64_t steps = d.input_shape[1];
    if (output.size() != 2 || output[0] != steps || output[1] != d.vocab_size) {
      throw Error(fmt::format(
          "{}: for text-lm the model must give one row of {} logits (vocab_size) per step: output [batch * "
          "steps, {}], here [{}, {}] for input {}; it gives {} (end with linear: {{in: H, out: vocab_size}} "
          "and flatten: {{start: 0, end: 1}})",
          last, d.vocab_size, d.vocab_size, steps, d.vocab_size, d.input_shape.str(), output.str()));
    }
  } else if (c.data.dataset == "text-folder") {
    const auto classes = static_cast<int64_t>(d.classes.size());
    if (output.size() != 2 || output[1] != classes) {
      throw Error(
          fmt::format("{}: the model must give one score per class ({}: output [batch, {}]); it gives "
                      "{} for input {} (pool over time, or set return_sequences: false on the last "
                      "recurrent layer, then a linear layer with out: {})",
                      last, classes, classes, output.str(), d.input_shape.str(), classes));
    }
  }
}

nn::BuiltModel build_spec(const Config& c, const Shape& input_shape, Dtype input_dtype, int64_t vocab_size) {
  const nn::LayerRegistry registry = config_layers(std::make_shared<SequenceMask>());
  nn::GraphBuildOptions options{
      .input_shape = input_shape, .input_dtype = input_dtype, .registry = &registry};
  if (vocab_size > 0) options.variables["vocab_size"] = nn::ArgValue(vocab_size);
  try {
    return nn::build_graph(model_spec(c), options);
  } catch (const Error& e) {
    const std::string msg = e.what();
    // Integer arguments may say vocab_size: say why it is unknown rather than that it is not a number.
    const std::string wrong = " must be an integer, got 'vocab_size'";
    if (const size_t at = msg.find(wrong); vocab_size == 0 && at != std::string::npos) {
      throw Error(msg.substr(0, at) +
                  " is vocab_size, but the data has no vocabulary (only text datasets have one)" +
                  msg.substr(at + wrong.size()));
    }
    throw;
  }
}

}  // namespace

std::shared_ptr<models::GPTImpl> zoo_gpt(const std::shared_ptr<nn::Module>& model) {
  if (auto flat = std::dynamic_pointer_cast<FlattenedLogits>(model))
    return std::dynamic_pointer_cast<models::GPTImpl>(flat->model);
  return std::dynamic_pointer_cast<models::GPTImpl>(model);
}

std::vector<std::string> layer_names() { return config_layers(std::make_shared<SequenceMask>()).names(); }

std::shared_ptr<nn::Module> build_model(const Config& config, const Shape& input_shape, Dtype input_dtype) {
  if (!config.model.name.empty()) return build_named(config.model, input_shape, input_dtype);
  if (!config.model.zoo.empty())
    return build_zoo(config.model, input_shape, input_dtype, 0, std::nullopt,
                     config.data.dataset == "text-lm");
  return build_spec(config, input_shape, input_dtype, 0).module;
}

std::shared_ptr<nn::Module> build_model(const Config& config, const TrainingData& data) {
  if (!config.model.name.empty()) return build_named(config.model, data.input_shape, data.input_dtype);
  if (!config.model.zoo.empty()) {
    std::shared_ptr<nn::Module> net =
        build_zoo(config.model, data.input_shape, data.input_dtype, data.vocab_size, data.pad_id,
                  config.data.dataset == "text-lm");
    if (config.data.dataset == "text-lm" && config.model.zoo != "gpt") {
      throw Error(
          fmt::format("{}: zoo model '{}' is not a language model; text-lm trains model.zoo: gpt or "
                      "a list of layers",
                      config.model.where, config.model.zoo));
    }
    return net;
  }
  const nn::BuiltModel built = build_spec(config, data.input_shape, data.input_dtype, data.vocab_size);
  check_embeddings(built, data);
  check_output(config, built.output_shape, data);
  return built.module;
}

}  // namespace strata::cli
