#include "model_builder.h"

#include <functional>
#include <map>

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

// A layer's arguments, given by position ("linear: [784, 256]"), by name ("linear: {in: 784, out: 256}")
// or as a single scalar ("dropout: 0.25").
class Args {
 public:
  Args(const LayerSpec& spec, std::vector<std::string> names) : spec_(spec), names_(std::move(names)) {
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
  };
  return types;
}

nn::Sequential named_model(const ModelConfig& m) {
  if (m.name == "lenet5") return models::lenet5(m.classes);
  return models::mlp(m.sizes, m.dropout);
}

// Runs one zero input through the layers, one at a time, so that a layer that does not fit its input
// (e.g. linear in: 256 after a layer that gives 400 features) is reported with its line in the config.
void check_shapes(const ModelConfig& m, nn::SequentialImpl& net, const Shape& input_shape, Dtype dtype) {
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

nn::Sequential build_model(const Config& config, const Shape& input_shape, Dtype input_dtype) {
  const ModelConfig& m = config.model;
  if (!m.name.empty()) {
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
  nn::Sequential net;
  for (const LayerSpec& spec : m.layers) {
    auto it = layer_types().find(spec.type);
    if (it == layer_types().end()) {
      std::string known;
      for (const auto& n : layer_names()) known += (known.empty() ? "" : ", ") + n;
      throw Error(fmt::format("{}: unknown layer '{}'{} (known: {})", spec.where, spec.type,
                              did_you_mean(spec.type, layer_names()), known));
    }
    const Args args(spec, it->second.args);
    try {
      net->push_back(it->second.build(args));
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (msg.rfind(spec.where, 0) == 0) throw;
      args.fail(fmt::format("layer '{}': {}", spec.type, msg));
    }
  }
  if (!input_shape.empty()) check_shapes(m, *net, input_shape, input_dtype);
  return net;
}

}  // namespace strata::cli
