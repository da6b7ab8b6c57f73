#include "model_builder.h"

#include <functional>
#include <map>

#include "sequence_layers.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/models.h"
#include "strata/nn.h"

namespace strata::cli {
namespace {

template <typename T>
const char* type_word() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean (true or false)";
  if constexpr (std::is_integral_v<T>) return "an integer";
  if constexpr (std::is_floating_point_v<T>) return "a number";
  return "a string";
}

// What layers may need beyond their own arguments.
struct BuildContext {
  int64_t vocab_size = 0;                                   // 0: the data has no vocabulary
  SequenceMaskPtr mask = std::make_shared<SequenceMask>();  // shared by the layers of one model
};

// A layer's arguments, given by position ("linear: [784, 256]"), by name ("linear: {in: 784, out: 256}")
// or as a single scalar ("dropout: 0.25").
class Args {
 public:
  Args(const LayerSpec& spec, std::vector<std::string> names, const BuildContext& context)
      : spec_(spec), names_(std::move(names)), context_(context) {
    const YAML::Node& a = spec.args;
    if (!a.IsDefined() || a.IsNull()) return;
    if (a.IsMap()) {
      for (const auto& kv : a) {
        const std::string key = kv.first.Scalar();
        if (std::find(names_.begin(), names_.end(), key) == names_.end()) {
          fail(fmt::format("layer '{}' has no argument '{}'{} (arguments: {})", spec.type, key,
                           did_you_mean(key, names_), known()));
        }
        values_[key] = kv.second;
      }
    } else if (a.IsSequence()) {
      if (a.size() > names_.size()) {
        fail(fmt::format("layer '{}' takes at most {} arguments ({}), got {}", spec.type, names_.size(),
                         known(), a.size()));
      }
      for (size_t i = 0; i < a.size(); ++i) values_[names_[i]] = a[i];
    } else {
      if (names_.empty()) fail(fmt::format("layer '{}' takes no arguments", spec.type));
      values_[names_[0]] = a;
    }
  }

  bool has(const std::string& name) const { return values_.count(name) > 0; }

  template <typename T>
  T get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) fail(fmt::format("layer '{}' needs argument '{}'", spec_.type, name));
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (it->second.IsScalar() && it->second.Scalar() == "vocab_size") {
        if (context_.vocab_size <= 0) {
          fail(
              fmt::format("layer '{}': argument '{}' is vocab_size, but the data has no vocabulary (only "
                          "text datasets do)",
                          spec_.type, name));
        }
        return static_cast<T>(context_.vocab_size);
      }
    }
    try {
      if (!it->second.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "");
      return it->second.as<T>();
    } catch (const YAML::Exception&) {
      fail(fmt::format("layer '{}': argument '{}' must be {}, got {}", spec_.type, name, type_word<T>(),
                       it->second.IsScalar() ? "'" + it->second.Scalar() + "'" : "a list or map"));
    }
  }

  template <typename T>
  T get(const std::string& name, T fallback) const {
    return has(name) ? get<T>(name) : fallback;
  }

  std::optional<int64_t> optional_int(const std::string& name) const {
    if (!has(name) || values_.at(name).IsNull()) return std::nullopt;
    return get<int64_t>(name);
  }

  // One of `choices`, `fallback` when absent.
  std::string choice(const std::string& name, const std::vector<std::string>& choices,
                     const std::string& fallback) const {
    const std::string v = get<std::string>(name, fallback);
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string known;
      for (const auto& c : choices) known += (known.empty() ? "" : " or ") + ("'" + c + "'");
      fail(fmt::format("layer '{}': argument '{}' must be {}, got '{}'", spec_.type, name, known, v));
    }
    return v;
  }

  const SequenceMaskPtr& mask() const { return context_.mask; }

  // A size given as one number or a [h, w] pair.
  // A required size.
  ops::Size2 size2(const std::string& name) const {
    if (!has(name)) fail(fmt::format("layer '{}' needs argument '{}'", spec_.type, name));
    return size2(name, 0);
  }

  ops::Size2 size2(const std::string& name, ops::Size2 fallback) const {
    if (!has(name)) return fallback;
    const YAML::Node& v = values_.at(name);
    auto bad = [&] {
      fail(fmt::format("layer '{}': argument '{}' must be an integer or [h, w]", spec_.type, name));
    };
    if (v.IsSequence()) {
      if (v.size() != 2 || !v[0].IsScalar() || !v[1].IsScalar()) bad();
      try {
        return {v[0].as<int64_t>(), v[1].as<int64_t>()};
      } catch (const YAML::Exception&) {
        bad();
      }
    }
    if (!v.IsScalar()) bad();
    return get<int64_t>(name);
  }

  ops::Padding2 padding(const std::string& name) const {
    if (!has(name)) return 0;
    const YAML::Node& v = values_.at(name);
    if (v.IsScalar() && (v.Scalar() == "same" || v.Scalar() == "valid"))
      return ops::Padding2::from_mode(v.Scalar());
    const ops::Size2 s = size2(name, 0);
    return ops::Padding2(s.h, s.w);
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(fmt::format("{}: {}", spec_.where, message));
  }

 private:
  std::string known() const {
    std::string s;
    for (const auto& n : names_) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "none" : s;
  }
  const LayerSpec& spec_;
  std::vector<std::string> names_;
  const BuildContext& context_;
  std::map<std::string, YAML::Node> values_;
};

using Builder = std::function<std::shared_ptr<nn::Module>(const Args&)>;

struct LayerType {
  std::vector<std::string> args;
  Builder build;
};

const std::map<std::string, LayerType>& layer_types() {
  using S = std::shared_ptr<nn::Module>;
  static const std::map<std::string, LayerType> types{
      {"linear",
       {{"in", "out", "bias"},
        [](const Args& a) -> S {
          return nn::Linear(a.get<int64_t>("in"), a.get<int64_t>("out"), a.get<bool>("bias", true));
        }}},
      {"conv2d",
       {{"in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias"},
        [](const Args& a) -> S {
          return nn::Conv2d(a.get<int64_t>("in"), a.get<int64_t>("out"), a.size2("kernel"),
                            {.stride = a.size2("stride", 1),
                             .padding = a.padding("padding"),
                             .dilation = a.size2("dilation", 1),
                             .groups = a.get<int64_t>("groups", 1),
                             .bias = a.get<bool>("bias", true)});
        }}},
      {"conv1d",
       {{"in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias"},
        [](const Args& a) -> S {
          return nn::Conv1d(a.get<int64_t>("in"), a.get<int64_t>("out"), a.get<int64_t>("kernel"),
                            {.stride = a.get<int64_t>("stride", 1),
                             .padding = a.padding("padding"),
                             .dilation = a.get<int64_t>("dilation", 1),
                             .groups = a.get<int64_t>("groups", 1),
                             .bias = a.get<bool>("bias", true)});
        }}},
      {"conv_transpose2d",
       {{"in", "out", "kernel", "stride", "padding", "output_padding", "groups", "bias"},
        [](const Args& a) -> S {
          return nn::ConvTranspose2d(a.get<int64_t>("in"), a.get<int64_t>("out"), a.size2("kernel"),
                                     {.stride = a.size2("stride", 1),
                                      .padding = a.size2("padding", 0),
                                      .output_padding = a.size2("output_padding", 0),
                                      .groups = a.get<int64_t>("groups", 1),
                                      .bias = a.get<bool>("bias", true)});
        }}},
      {"maxpool2d",
       {{"kernel", "stride", "padding"},
        [](const Args& a) -> S {
          return nn::MaxPool2d(a.size2("kernel"),
                               {.stride = a.size2("stride", 0), .padding = a.size2("padding", 0)});
        }}},
      {"avgpool2d",
       {{"kernel", "stride", "padding"},
        [](const Args& a) -> S {
          return nn::AvgPool2d(a.size2("kernel"),
                               {.stride = a.size2("stride", 0), .padding = a.size2("padding", 0)});
        }}},
      {"adaptive_avgpool2d",
       {{"size"}, [](const Args& a) -> S { return nn::AdaptiveAvgPool2d(a.size2("size", 1)); }}},
      {"batchnorm1d",
       {{"features", "eps", "momentum"},
        [](const Args& a) -> S {
          return nn::BatchNorm1d(a.get<int64_t>("features"), {.eps = a.get<double>("eps", 1e-5),
                                                              .momentum = a.get<double>("momentum", 0.1)});
        }}},
      {"batchnorm2d",
       {{"features", "eps", "momentum"},
        [](const Args& a) -> S {
          return nn::BatchNorm2d(a.get<int64_t>("features"), {.eps = a.get<double>("eps", 1e-5),
                                                              .momentum = a.get<double>("momentum", 0.1)});
        }}},
      {"layernorm",
       {{"shape", "eps"},
        [](const Args& a) -> S {
          return nn::LayerNorm(Shape{a.get<int64_t>("shape")}, a.get<double>("eps", 1e-5));
        }}},
      {"groupnorm",
       {{"groups", "channels", "eps"},
        [](const Args& a) -> S {
          return nn::GroupNorm(a.get<int64_t>("groups"), a.get<int64_t>("channels"),
                               a.get<double>("eps", 1e-5));
        }}},
      {"dropout", {{"p"}, [](const Args& a) -> S { return nn::Dropout(a.get<double>("p", 0.5)); }}},
      {"flatten",
       {{"start", "end"},
        [](const Args& a) -> S {
          return nn::Flatten(a.get<int64_t>("start", 1), a.get<int64_t>("end", -1));
        }}},
      {"identity", {{}, [](const Args&) -> S { return nn::Identity(); }}},
      {"relu", {{}, [](const Args&) -> S { return nn::ReLU(); }}},
      {"leaky_relu",
       {{"slope"}, [](const Args& a) -> S { return nn::LeakyReLU(a.get<double>("slope", 0.01)); }}},
      {"elu", {{"alpha"}, [](const Args& a) -> S { return nn::ELU(a.get<double>("alpha", 1.0)); }}},
      {"selu", {{}, [](const Args&) -> S { return nn::SELU(); }}},
      {"gelu",
       {{"approximate"},
        [](const Args& a) -> S {
          const std::string mode = a.get<std::string>("approximate", "none");
          if (mode != "none" && mode != "tanh") a.fail("layer 'gelu': approximate must be 'none' or 'tanh'");
          return nn::GELU(mode == "tanh" ? ops::GeluApproximate::Tanh : ops::GeluApproximate::None);
        }}},
      {"sigmoid", {{}, [](const Args&) -> S { return nn::Sigmoid(); }}},
      {"tanh", {{}, [](const Args&) -> S { return nn::Tanh(); }}},
      {"silu", {{}, [](const Args&) -> S { return nn::SiLU(); }}},
      {"softplus",
       {{"beta", "threshold"},
        [](const Args& a) -> S {
          return nn::Softplus(a.get<double>("beta", 1.0), a.get<double>("threshold", 20.0));
        }}},
      {"hardsigmoid", {{}, [](const Args&) -> S { return nn::Hardsigmoid(); }}},
      {"hardswish", {{}, [](const Args&) -> S { return nn::Hardswish(); }}},
      {"softmax", {{"dim"}, [](const Args& a) -> S { return nn::Softmax(a.get<int64_t>("dim", -1)); }}},
      {"log_softmax",
       {{"dim"}, [](const Args& a) -> S { return nn::LogSoftmax(a.get<int64_t>("dim", -1)); }}},
      // Sequences: batch first ([batch, steps, features]); see sequence_layers.h for the padding.
      {"embedding",
       {{"num_embeddings", "embedding_dim", "padding_idx"},
        [](const Args& a) -> S {
          return std::make_shared<MaskingEmbeddingImpl>(a.get<int64_t>("num_embeddings"),
                                                        a.get<int64_t>("embedding_dim"),
                                                        a.optional_int("padding_idx"), a.mask());
        }}},
      {"rnn",
       {{"input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "dropout", "bidirectional",
         "return_sequences"},
        [](const Args& a) -> S {
          const std::string f = a.choice("nonlinearity", {"tanh", "relu"}, "tanh");
          return std::make_shared<MaskedRNNImpl>(
              a.get<int64_t>("input_size"), a.get<int64_t>("hidden_size"),
              nn::RNNOptions{
                  .num_layers = a.get<int64_t>("num_layers", 1),
                  .nonlinearity = f == "relu" ? nn::RNNNonlinearity::Relu : nn::RNNNonlinearity::Tanh,
                  .bias = a.get<bool>("bias", true),
                  .batch_first = true,
                  .dropout = a.get<double>("dropout", 0.0),
                  .bidirectional = a.get<bool>("bidirectional", false)},
              a.get<bool>("return_sequences", true), a.mask());
        }}},
      {"lstm",
       {{"input_size", "hidden_size", "num_layers", "bias", "dropout", "bidirectional", "proj_size",
         "return_sequences"},
        [](const Args& a) -> S {
          return std::make_shared<MaskedLSTMImpl>(
              a.get<int64_t>("input_size"), a.get<int64_t>("hidden_size"),
              nn::LSTMOptions{.num_layers = a.get<int64_t>("num_layers", 1),
                              .bias = a.get<bool>("bias", true),
                              .batch_first = true,
                              .dropout = a.get<double>("dropout", 0.0),
                              .bidirectional = a.get<bool>("bidirectional", false),
                              .proj_size = a.get<int64_t>("proj_size", 0)},
              a.get<bool>("return_sequences", true), a.mask());
        }}},
      {"gru",
       {{"input_size", "hidden_size", "num_layers", "bias", "dropout", "bidirectional", "return_sequences"},
        [](const Args& a) -> S {
          return std::make_shared<MaskedGRUImpl>(
              a.get<int64_t>("input_size"), a.get<int64_t>("hidden_size"),
              nn::GRUOptions{.num_layers = a.get<int64_t>("num_layers", 1),
                             .bias = a.get<bool>("bias", true),
                             .batch_first = true,
                             .dropout = a.get<double>("dropout", 0.0),
                             .bidirectional = a.get<bool>("bidirectional", false)},
              a.get<bool>("return_sequences", true), a.mask());
        }}},
      {"global_avg_pool1d",
       {{},
        [](const Args& a) -> S {
          return std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Avg, a.mask());
        }}},
      {"global_max_pool1d",
       {{},
        [](const Args& a) -> S {
          return std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Max, a.mask());
        }}},
  };
  return types;
}

nn::Sequential named_model(const ModelConfig& m) {
  if (m.name == "lenet5") return models::lenet5(m.classes);
  return models::mlp(m.sizes, m.dropout);
}

// Runs one zero input through the layers, one at a time, so that a layer that does not fit its input
// (e.g. linear in: 256 after a layer that gives 400 features) is reported with its line in the config.
// Returns the output's shape.
Shape check_shapes(const ModelConfig& m, nn::SequentialImpl& net, const Shape& input_shape, Dtype dtype) {
  NoGradGuard no_grad;
  net.eval();
  Tensor x = zeros(input_shape, {.dtype = dtype});
  for (size_t i = 0; i < net.size(); ++i) {
    const Shape in = x.shape();
    try {
      x = net[i]->forward(x);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: layer '{}' (layer {}) does not fit its input of shape {}: {}",
                              m.layers[i].where, m.layers[i].type, i, in.str(), e.what()));
    }
  }
  net.train();
  return x.shape();
}

}  // namespace

const std::vector<std::string>& layer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, t] : layer_types()) n.push_back(name);
    return n;
  }();
  return names;
}

namespace {

// A named model, checked against the input when one is given.
nn::Sequential build_named(const ModelConfig& m, const Shape& input_shape, Dtype input_dtype) {
  try {
    nn::Sequential net = named_model(m);
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

// The layers of the list, not yet run on any input.
nn::Sequential build_layers(const ModelConfig& m, const BuildContext& context) {
  nn::Sequential net;
  for (const LayerSpec& spec : m.layers) {
    auto it = layer_types().find(spec.type);
    if (it == layer_types().end()) {
      std::string known;
      for (const auto& n : layer_names()) known += (known.empty() ? "" : ", ") + n;
      throw Error(fmt::format("{}: unknown layer '{}'{} (known: {})", spec.where, spec.type,
                              did_you_mean(spec.type, layer_names()), known));
    }
    const Args args(spec, it->second.args, context);
    try {
      net->push_back(it->second.build(args));
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (msg.rfind(spec.where, 0) == 0) throw;
      args.fail(fmt::format("layer '{}': {}", spec.type, msg));
    }
  }
  return net;
}

// Embeddings must cover the vocabulary and, for padded batches, know the padding (it marks where each
// sequence ends for the recurrent layers and pools after them).
void check_embeddings(const ModelConfig& m, nn::SequentialImpl& net, const TrainingData& d) {
  for (size_t i = 0; i < net.size(); ++i) {
    const auto embedding = std::dynamic_pointer_cast<nn::EmbeddingImpl>(net[i]);
    if (!embedding) continue;
    const std::string& where = m.layers[i].where;
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

// The output must fit the targets: one row of vocabulary logits per step for a language model, one
// score per class for a text classifier.
void check_output(const Config& c, const Shape& output, const TrainingData& d) {
  const LayerSpec& last = c.model.layers.back();
  if (c.data.dataset == "text-lm") {
    const int64_t steps = d.input_shape[1];
    if (output.size() != 2 || output[0] != steps || output[1] != d.vocab_size) {
      throw Error(fmt::format(
          "{}: for text-lm the model must give one row of {} logits (vocab_size) per step: output [batch * "
          "steps, {}], here [{}, {}] for input {}; it gives {} (end with linear: {{in: H, out: vocab_size}} "
          "and flatten: {{start: 0, end: 1}})",
          last.where, d.vocab_size, d.vocab_size, steps, d.vocab_size, d.input_shape.str(), output.str()));
    }
  } else if (c.data.dataset == "text-folder") {
    const auto classes = static_cast<int64_t>(d.classes.size());
    if (output.size() != 2 || output[1] != classes) {
      throw Error(
          fmt::format("{}: the model must give one score per class ({}: output [batch, {}]); it gives "
                      "{} for input {} (pool over time, or set return_sequences: false on the last "
                      "recurrent layer, then a linear layer with out: {})",
                      last.where, classes, classes, output.str(), d.input_shape.str(), classes));
    }
  }
}

}  // namespace

nn::Sequential build_model(const Config& config, const Shape& input_shape, Dtype input_dtype) {
  const ModelConfig& m = config.model;
  if (!m.name.empty()) return build_named(m, input_shape, input_dtype);
  nn::Sequential net = build_layers(m, BuildContext{});
  if (!input_shape.empty()) check_shapes(m, *net, input_shape, input_dtype);
  return net;
}

nn::Sequential build_model(const Config& config, const TrainingData& data) {
  const ModelConfig& m = config.model;
  if (!m.name.empty()) return build_named(m, data.input_shape, data.input_dtype);
  nn::Sequential net = build_layers(m, BuildContext{.vocab_size = data.vocab_size});
  check_embeddings(m, *net, data);
  const Shape output = check_shapes(m, *net, data.input_shape, data.input_dtype);
  check_output(config, output, data);
  return net;
}

}  // namespace strata::cli
