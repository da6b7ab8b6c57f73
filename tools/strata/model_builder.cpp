#include "model_builder.h"

#include <functional>
#include <map>

#include "strata/models.h"
#include "strata/nn.h"

namespace strata::cli {
namespace {

// A layer's arguments, given by position ("linear: [784, 256]"), by name ("linear: {in: 784, out: 256}")
// or as a single scalar ("dropout: 0.25").
class Args {
 public:
  Args(const Config& config, const LayerSpec& spec, std::vector<std::string> names)
      : config_(config), spec_(spec), names_(std::move(names)) {
    const YAML::Node& a = spec.args;
    if (!a.IsDefined() || a.IsNull()) return;
    if (a.IsMap()) {
      for (const auto& kv : a) {
        const std::string key = kv.first.as<std::string>();
        if (std::find(names_.begin(), names_.end(), key) == names_.end()) {
          fail(fmt::format("layer '{}' has no argument '{}' (arguments: {})", spec.type, key, known()));
        }
        values_[key] = kv.second;
      }
    } else if (a.IsSequence()) {
      if (a.size() > names_.size()) {
        fail(fmt::format("layer '{}' takes at most {} arguments ({}), got {}", spec.type, names_.size(), known(),
                         a.size()));
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
      return it->second.as<T>();
    } catch (const YAML::Exception&) {
      fail(fmt::format("layer '{}': argument '{}' has the wrong type ('{}')", spec_.type, name,
                       it->second.IsScalar() ? it->second.Scalar() : "not a scalar"));
    }
  }

  template <typename T>
  T get(const std::string& name, T fallback) const {
    return has(name) ? get<T>(name) : fallback;
  }

  // A size given as one number or a [h, w] pair.
  ops::Size2 size2(const std::string& name, ops::Size2 fallback) const {
    if (!has(name)) return fallback;
    const YAML::Node& v = values_.at(name);
    if (v.IsSequence()) {
      if (v.size() != 2) fail(fmt::format("layer '{}': argument '{}' must be a number or [h, w]", spec_.type, name));
      return {v[0].as<int64_t>(), v[1].as<int64_t>()};
    }
    return get<int64_t>(name);
  }

  ops::Padding2 padding(const std::string& name) const {
    if (!has(name)) return 0;
    const YAML::Node& v = values_.at(name);
    if (v.IsScalar() && (v.Scalar() == "same" || v.Scalar() == "valid")) return ops::Padding2::from_mode(v.Scalar());
    const ops::Size2 s = size2(name, 0);
    return ops::Padding2(s.h, s.w);
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(fmt::format("{}:{}: {}", config_.path, spec_.line, message));
  }

 private:
  std::string known() const {
    std::string s;
    for (const auto& n : names_) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "none" : s;
  }
  const Config& config_;
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
      {"linear", {{"in", "out", "bias"}, [](const Args& a) -> S {
         return nn::Linear(a.get<int64_t>("in"), a.get<int64_t>("out"), a.get<bool>("bias", true));
       }}},
      {"conv2d", {{"in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias"}, [](const Args& a) -> S {
         return nn::Conv2d(a.get<int64_t>("in"), a.get<int64_t>("out"), a.size2("kernel", 1),
                           {.stride = a.size2("stride", 1), .padding = a.padding("padding"),
                            .dilation = a.size2("dilation", 1), .groups = a.get<int64_t>("groups", 1),
                            .bias = a.get<bool>("bias", true)});
       }}},
      {"conv1d", {{"in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias"}, [](const Args& a) -> S {
         return nn::Conv1d(a.get<int64_t>("in"), a.get<int64_t>("out"), a.get<int64_t>("kernel"),
                           {.stride = a.get<int64_t>("stride", 1), .padding = a.padding("padding"),
                            .dilation = a.get<int64_t>("dilation", 1), .groups = a.get<int64_t>("groups", 1),
                            .bias = a.get<bool>("bias", true)});
       }}},
      {"conv_transpose2d", {{"in", "out", "kernel", "stride", "padding", "output_padding", "groups", "bias"},
                            [](const Args& a) -> S {
                              return nn::ConvTranspose2d(
                                  a.get<int64_t>("in"), a.get<int64_t>("out"), a.size2("kernel", 1),
                                  {.stride = a.size2("stride", 1), .padding = a.size2("padding", 0),
                                   .output_padding = a.size2("output_padding", 0),
                                   .groups = a.get<int64_t>("groups", 1), .bias = a.get<bool>("bias", true)});
                            }}},
      {"maxpool2d", {{"kernel", "stride", "padding"}, [](const Args& a) -> S {
         return nn::MaxPool2d(a.size2("kernel", 2), {.stride = a.size2("stride", 0), .padding = a.size2("padding", 0)});
       }}},
      {"avgpool2d", {{"kernel", "stride", "padding"}, [](const Args& a) -> S {
         return nn::AvgPool2d(a.size2("kernel", 2), {.stride = a.size2("stride", 0), .padding = a.size2("padding", 0)});
       }}},
      {"adaptive_avgpool2d", {{"size"}, [](const Args& a) -> S { return nn::AdaptiveAvgPool2d(a.size2("size", 1)); }}},
      {"batchnorm1d", {{"features", "eps", "momentum"}, [](const Args& a) -> S {
         return nn::BatchNorm1d(a.get<int64_t>("features"),
                                {.eps = a.get<double>("eps", 1e-5), .momentum = a.get<double>("momentum", 0.1)});
       }}},
      {"batchnorm2d", {{"features", "eps", "momentum"}, [](const Args& a) -> S {
         return nn::BatchNorm2d(a.get<int64_t>("features"),
                                {.eps = a.get<double>("eps", 1e-5), .momentum = a.get<double>("momentum", 0.1)});
       }}},
      {"layernorm", {{"shape", "eps"}, [](const Args& a) -> S {
         return nn::LayerNorm(Shape{a.get<int64_t>("shape")}, a.get<double>("eps", 1e-5));
       }}},
      {"groupnorm", {{"groups", "channels", "eps"}, [](const Args& a) -> S {
         return nn::GroupNorm(a.get<int64_t>("groups"), a.get<int64_t>("channels"), a.get<double>("eps", 1e-5));
       }}},
      {"dropout", {{"p"}, [](const Args& a) -> S { return nn::Dropout(a.get<double>("p", 0.5)); }}},
      {"flatten", {{"start", "end"}, [](const Args& a) -> S {
         return nn::Flatten(a.get<int64_t>("start", 1), a.get<int64_t>("end", -1));
       }}},
      {"identity", {{}, [](const Args&) -> S { return nn::Identity(); }}},
      {"relu", {{}, [](const Args&) -> S { return nn::ReLU(); }}},
      {"leaky_relu", {{"slope"}, [](const Args& a) -> S { return nn::LeakyReLU(a.get<double>("slope", 0.01)); }}},
      {"elu", {{"alpha"}, [](const Args& a) -> S { return nn::ELU(a.get<double>("alpha", 1.0)); }}},
      {"selu", {{}, [](const Args&) -> S { return nn::SELU(); }}},
      {"gelu", {{"approximate"}, [](const Args& a) -> S {
         const std::string mode = a.get<std::string>("approximate", "none");
         if (mode != "none" && mode != "tanh") a.fail("layer 'gelu': approximate must be 'none' or 'tanh'");
         return nn::GELU(mode == "tanh" ? ops::GeluApproximate::Tanh : ops::GeluApproximate::None);
       }}},
      {"sigmoid", {{}, [](const Args&) -> S { return nn::Sigmoid(); }}},
      {"tanh", {{}, [](const Args&) -> S { return nn::Tanh(); }}},
      {"silu", {{}, [](const Args&) -> S { return nn::SiLU(); }}},
      {"softplus", {{"beta", "threshold"}, [](const Args& a) -> S {
         return nn::Softplus(a.get<double>("beta", 1.0), a.get<double>("threshold", 20.0));
       }}},
      {"hardsigmoid", {{}, [](const Args&) -> S { return nn::Hardsigmoid(); }}},
      {"hardswish", {{}, [](const Args&) -> S { return nn::Hardswish(); }}},
      {"softmax", {{"dim"}, [](const Args& a) -> S { return nn::Softmax(a.get<int64_t>("dim", -1)); }}},
      {"log_softmax", {{"dim"}, [](const Args& a) -> S { return nn::LogSoftmax(a.get<int64_t>("dim", -1)); }}},
  };
  return types;
}

nn::Sequential named_model(const Config& config, const LayerSpec& spec) {
  const std::string name = spec.type.substr(1);
  int64_t classes = 10;
  if (spec.args.IsMap() && spec.args["classes"].IsDefined()) classes = spec.args["classes"].as<int64_t>();
  if (name == "lenet5") return models::lenet5(classes);
  if (name == "mlp") return models::mlp({784, 256, 128, classes});
  throw Error(fmt::format("{}:{}: unknown model '{}' (known: lenet5, mlp)", config.path, spec.line, name));
}

}  // namespace

nn::Sequential build_model(const Config& config) {
  if (config.layers.size() == 1 && config.layers[0].type.rfind('@', 0) == 0) {
    return named_model(config, config.layers[0]);
  }
  nn::Sequential net;
  for (const LayerSpec& spec : config.layers) {
    auto it = layer_types().find(spec.type);
    if (it == layer_types().end()) {
      std::string known;
      for (const auto& [n, t] : layer_types()) known += (known.empty() ? "" : ", ") + n;
      throw Error(fmt::format("{}:{}: unknown layer '{}' (known: {})", config.path, spec.line, spec.type, known));
    }
    const Args args(config, spec, it->second.args);
    try {
      net->push_back(it->second.build(args));
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (msg.rfind(config.path, 0) == 0) throw;
      args.fail(fmt::format("layer '{}': {}", spec.type, msg));
    }
  }
  return net;
}

}  // namespace strata::cli
