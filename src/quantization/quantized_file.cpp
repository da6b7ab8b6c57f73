// Quantised models as safetensors files: I8 weights and scales, the layers' options as JSON metadata.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "quantization/int8_weights.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/io/safetensors.h"
#include "strata/quantization/layers.h"
#include "strata/quantization/quantize.h"

namespace strata::quantization {

using detail::exact_int8;
using detail::float_weight;

namespace {
constexpr const char* kMetaKey = "strata.quantization";

std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> all_modules(nn::Module& model) {
  return model.named_modules();
}

nlohmann::json quant_json(const QuantOptions& q) {
  return {{"input_scale", q.input_scale},   {"input_signed", q.input_signed}, {"relu", q.relu},
          {"output_scale", q.output_scale}, {"max_pool", q.max_pool},         {"residual", q.residual}};
}

QuantOptions quant_from(const nlohmann::json& j) {
  return {.input_scale = j.at("input_scale").get<float>(),
          .input_signed = j.at("input_signed").get<bool>(),
          .relu = j.at("relu").get<bool>(),
          .output_scale = j.at("output_scale").get<float>(),
          .max_pool = j.value("max_pool", false),
          .residual = j.value("residual", false)};
}
// model.replace, with the file named when the model has no such layer.
void replace_in(nn::Module& model, const std::string& name, std::shared_ptr<nn::Module> m,
                const std::string& path) {
  try {
    model.replace(name, std::move(m));
  } catch (const Error& e) {
    STRATA_FAIL("load_quantized: {}: the file does not fit the model: {}", path, e.what());
  }
}
}  // namespace

void save_quantized(nn::Module& model, const std::string& path) {
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json identities = nlohmann::json::array();
  std::set<std::string> int8;
  // Residual joins: their convolution is saved under its own path, with the join's.
  std::map<std::string, int64_t> joins;
  for (auto& [name, m] : all_modules(model))
    if (auto* a = dynamic_cast<QuantizedConv2dAddImpl*>(m.get())) joins[name + ".conv"] = a->branch;
  for (auto& [name, m] : all_modules(model)) {
    if (auto* c = dynamic_cast<QuantizedConv2dImpl*>(m.get())) {
      nlohmann::json layer = {{"name", name},
                              {"kind", "Conv2d"},
                              {"in_channels", c->in_channels},
                              {"out_channels", c->out_channels},
                              {"kernel_size", {c->kernel_size.h, c->kernel_size.w}},
                              {"stride", {c->options.stride.h, c->options.stride.w}},
                              {"padding", {c->options.padding.h, c->options.padding.w}},
                              {"dilation", {c->options.dilation.h, c->options.dilation.w}},
                              {"groups", c->options.groups},
                              {"quant", quant_json(c->quant)}};
      if (auto join_it = joins.find(name); join_it != joins.end()) {  // saved as the join, "<join>.conv"
        layer["name"] = name.substr(0, name.size() - 5);
        layer["kind"] = "Conv2dAdd";
        layer["branch"] = join_it->second;
      }
      layers.push_back(std::move(layer));
      int8.insert(name + ".weight");
    } else if (auto* l = dynamic_cast<QuantizedLinearImpl*>(m.get())) {
      layers.push_back({{"name", name},
                        {"kind", "Linear"},
                        {"in_features", l->in_features},
                        {"out_features", l->out_features},
                        {"quant", quant_json(l->quant)}});
      int8.insert(name + ".weight");
    } else if (m->type_name() == "Identity") {
      identities.push_back(name);
    }
  }
  std::map<std::string, Tensor> tensors;
  for (auto& [name, t] : model.state_dict()) tensors.emplace(name, t);
  // Float layers whose weights are int8 values (round_weight_to_int8) are stored as I8 too.
  nlohmann::json int8_weights = nlohmann::json::array();
  for (auto& [name, m] : all_modules(model)) {
    const Tensor w = float_weight(*m);
    if (!w.defined()) continue;
    if (auto q = exact_int8(w)) {
      tensors[name + ".weight"] = q->first;
      tensors[name + ".weight_scale"] = q->second;
      int8.insert(name + ".weight");
      int8_weights.push_back(name);
    }
  }
  const nlohmann::json meta = {
      {"version", 1}, {"layers", layers}, {"identities", identities}, {"int8_weights", int8_weights}};
  io::save_safetensors(path, tensors, {{"format", "pt"}, {kMetaKey, meta.dump()}}, int8);
}

bool is_quantized_file(const std::string& path) {
  try {
    return io::read_safetensors(path).metadata.count(kMetaKey) > 0;
  } catch (const Error&) {
    return false;
  }
}

void load_quantized(nn::Module& model, const std::string& path) {
  io::SafetensorsFile file = io::read_safetensors(path);
  auto it = file.metadata.find(kMetaKey);
  STRATA_CHECK(it != file.metadata.end(),
               "load_quantized: {}: not a quantised model (no '{}' metadata; write one with strata quantize)",
               path, kMetaKey);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
    auto part = [&](const std::string& name) -> Tensor {
      auto t = file.tensors.find(name);
      STRATA_CHECK(t != file.tensors.end(), "load_quantized: {}: tensor '{}' is missing", path, name);
      return t->second;
    };
    auto optional = [&](const std::string& name) -> Tensor {
      auto t = file.tensors.find(name);
      return t == file.tensors.end() ? Tensor() : t->second;
    };
    model.eval();
    for (const auto& layer : meta.at("layers")) {
      const std::string name = layer.at("name").get<std::string>();
      const bool join = layer.at("kind") == "Conv2dAdd";
      const std::string tensors = join ? name + ".conv" : name;  // where its weights are
      STRATA_CHECK(file.int8.count(tensors + ".weight"), "load_quantized: {}: tensor '{}.weight' must be I8",
                   path, tensors);
      const QuantOptions q = quant_from(layer.at("quant"));
      std::shared_ptr<nn::Module> m;
      if (layer.at("kind") == "Conv2d" || join) {
        nn::Conv2dOptions o;
        o.stride = {layer.at("stride")[0].get<int64_t>(), layer.at("stride")[1].get<int64_t>()};
        o.padding = {layer.at("padding")[0].get<int64_t>(), layer.at("padding")[1].get<int64_t>()};
        o.dilation = {layer.at("dilation")[0].get<int64_t>(), layer.at("dilation")[1].get<int64_t>()};
        o.groups = layer.at("groups").get<int64_t>();
        o.bias = optional(tensors + ".bias").defined();
        auto conv = std::make_shared<QuantizedConv2dImpl>(
            layer.at("in_channels").get<int64_t>(), layer.at("out_channels").get<int64_t>(),
            ops::Size2{layer.at("kernel_size")[0].get<int64_t>(), layer.at("kernel_size")[1].get<int64_t>()},
            o, part(tensors + ".weight"), part(tensors + ".weight_scale"), optional(tensors + ".bias"), q);
        if (join) {
          m = std::make_shared<QuantizedConv2dAddImpl>(conv, layer.at("branch").get<int64_t>());
        } else {
          m = conv;
        }
      } else if (layer.at("kind") == "Linear") {
        m = std::make_shared<QuantizedLinearImpl>(
            layer.at("in_features").get<int64_t>(), layer.at("out_features").get<int64_t>(),
            part(name + ".weight"), part(name + ".weight_scale"), optional(name + ".bias"), q);
      } else {
        STRATA_FAIL("load_quantized: {}: layer '{}' has unknown kind {}", path, name,
                    layer.at("kind").dump());
      }
      replace_in(model, name, m, path);
    }
    for (const auto& name : meta.at("identities"))
      replace_in(model, name.get<std::string>(), nn::Identity().ptr(), path);
    // Float layers stored with int8 weights: back to f32 as q * s (the exact values they had).
    for (const auto& item : meta.value("int8_weights", nlohmann::json::array())) {
      const std::string name = item.get<std::string>();
      const Tensor q = part(name + ".weight"), s = part(name + ".weight_scale");
      STRATA_CHECK(file.int8.count(name + ".weight") && q.dim() >= 2 && s.dtype() == kFloat32 &&
                       s.numel() == q.size(0),
                   "load_quantized: {}: '{}.weight' must be I8 with one f32 scale per output channel", path,
                   name);
      const int64_t oc = q.size(0), per = q.numel() / std::max<int64_t>(oc, 1);
      Tensor w = empty(q.shape());
      const auto* qp = static_cast<const int8_t*>(q.raw_data());
      for (int64_t c = 0; c < oc; ++c)
        for (int64_t i = 0; i < per; ++i)
          w.data_ptr<float>()[c * per + i] = static_cast<float>(qp[c * per + i]) * s.data_ptr<float>()[c];
      file.tensors[name + ".weight"] = w;
      file.tensors.erase(name + ".weight_scale");
      file.int8.erase(name + ".weight");
    }
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("load_quantized: {}: bad '{}' metadata: {}", path, kMetaKey, e.what());
  }
  const nn::LoadReport r = model.load_state_dict(file.tensors, false);
  STRATA_CHECK(
      r.ok(),
      "load_quantized: {}: the file does not fit the model ({} missing, {} unexpected, {} mismatched{})",
      path, r.missing.size(), r.unexpected.size(), r.mismatched.size(),
      r.missing.empty() ? std::string() : ", e.g. missing '" + r.missing.front() + "'");
}

}  // namespace strata::quantization
