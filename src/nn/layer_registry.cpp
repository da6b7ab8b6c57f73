#include "strata/nn/layer_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"

namespace strata::nn {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::optional<int64_t> parse_int(const std::string& s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

const char* kind_word(ArgKind kind) {
  switch (kind) {
    case ArgKind::Bool:
      return "a boolean (true or false)";
    case ArgKind::Int:
      return "an integer";
    case ArgKind::Float:
      return "a number";
    case ArgKind::String:
      return "a string";
    case ArgKind::Size2:
      return "an integer or [h, w]";
    case ArgKind::Padding:
      return "an integer, [h, w], 'same' or 'valid'";
    case ArgKind::Ints:
      return "an integer or a list of integers";
    case ArgKind::Floats:
      return "a number or a list of numbers";
  }
  return "a value";
}

// A "$name" reference (or, for integers, a bare variable name such as vocab_size) replaced by its value.
ArgValue substitute(const std::string& layer, const std::string& arg, const ArgValue& v, ArgKind kind,
                    const std::map<std::string, ArgValue>& variables) {
  ArgValue out = v;
  for (std::string& item : out.items) {
    const bool dollar = !item.empty() && item[0] == '$';
    const std::string name = dollar ? item.substr(1) : item;
    auto it = variables.find(name);
    if (it == variables.end()) {
      if (!dollar) continue;
      std::vector<std::string> known;
      for (const auto& [n, _] : variables) known.push_back("$" + n);
      STRATA_FAIL("layer '{}': argument '{}' refers to {}, which is not defined here (defined: {})", layer,
                  arg, item, known.empty() ? "none" : join(known));
    }
    if (!dollar && kind != ArgKind::Int && kind != ArgKind::Ints && kind != ArgKind::Size2) continue;
    if (it->second.is_list || it->second.items.size() != 1) {
      if (out.items.size() != 1) {
        STRATA_FAIL("layer '{}': argument '{}': {} is a list and cannot be an item of a list", layer, arg,
                    item);
      }
      return it->second;
    }
    item = it->second.items[0];
  }
  return out;
}

}  // namespace

ArgValue::ArgValue(double v) {
  // The shortest text that reads back as the same double.
  std::string s = fmt::format("{}", v);
  items = {s};
}

ArgValue::ArgValue(std::initializer_list<int64_t> list) : is_list(true) {
  for (int64_t v : list) items.push_back(std::to_string(v));
}

ArgValue ArgValue::list(std::vector<std::string> texts) {
  ArgValue v;
  v.items = std::move(texts);
  v.is_list = true;
  return v;
}

std::string ArgValue::str() const {
  return is_list ? "[" + join(items) + "]" : (items.empty() ? "" : items[0]);
}

LayerArgs::LayerArgs(std::string layer, const std::vector<ArgSpec>& specs, ArgMap values, const Shape& input,
                     const std::map<std::string, ArgValue>& variables, std::string kind)
    : layer_(std::move(layer)), kind_(std::move(kind)) {
  for (const auto& [name, v] : values) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const ArgSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      std::vector<std::string> known;
      for (const auto& s : specs) known.push_back(s.name);
      fail(fmt::format("has no argument '{}'{} (arguments: {})", name, did_you_mean(name, known),
                       known.empty() ? "none" : join(known)));
    }
    values_[name] = substitute(layer_, name, v, spec->kind, variables);
  }
  for (const ArgSpec& spec : specs) {
    if (values_.count(spec.name)) continue;
    if (spec.infer && !input.empty()) {
      if (auto inferred = spec.infer(input)) {
        values_[spec.name] = ArgValue(*inferred);
        continue;
      }
    }
    if (spec.fallback) values_[spec.name] = *spec.fallback;
  }
  // Check every value's kind now, so a mistake is reported even for arguments the factory reads late.
  for (const ArgSpec& spec : specs) {
    if (!values_.count(spec.name)) {
      if (spec.infer) {
        fail(
            fmt::format("needs argument '{}' (it is inferred from the input's shape, but the input {} does "
                        "not tell it)",
                        spec.name, input.empty() ? "is unknown" : input.str()));
      }
      fail(fmt::format("needs argument '{}'", spec.name));
    }
    switch (spec.kind) {
      case ArgKind::Bool:
        boolean(spec.name);
        break;
      case ArgKind::Int:
        if (values_.at(spec.name).items != std::vector<std::string>{"none"}) integer(spec.name);
        break;
      case ArgKind::Float:
        if (values_.at(spec.name).items != std::vector<std::string>{"none"}) number(spec.name);
        break;
      case ArgKind::String: {
        const std::string v = text(spec.name);
        if (!spec.choices.empty() &&
            std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
          std::vector<std::string> quoted;
          for (const auto& c : spec.choices) quoted.push_back("'" + c + "'");
          fail(fmt::format("argument '{}' must be {}, got '{}'", spec.name, join(quoted, " or "), v));
        }
        break;
      }
      case ArgKind::Size2:
        size2(spec.name);
        break;
      case ArgKind::Padding:
        padding(spec.name);
        break;
      case ArgKind::Ints:
        integers(spec.name);
        break;
      case ArgKind::Floats:
        numbers(spec.name);
        break;
    }
  }
}

void LayerArgs::fail(const std::string& message) const { STRATA_FAIL("{} '{}' {}", kind_, layer_, message); }

const ArgValue& LayerArgs::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) fail(fmt::format("needs argument '{}'", name));
  return it->second;
}

int64_t LayerArgs::integer(const std::string& name) const {
  const ArgValue& v = value(name);
  std::optional<int64_t> x = !v.is_list && v.items.size() == 1 ? parse_int(v.items[0]) : std::nullopt;
  if (!x) fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Int), v.str()));
  return *x;
}

std::optional<int64_t> LayerArgs::optional_integer(const std::string& name) const {
  const ArgValue& v = value(name);
  if (!v.is_list && v.items.size() == 1 &&
      (v.items[0] == "none" || v.items[0] == "null" || v.items[0] == "~"))
    return std::nullopt;
  return integer(name);
}

std::optional<double> LayerArgs::optional_number(const std::string& name) const {
  const ArgValue& v = value(name);
  if (!v.is_list && v.items.size() == 1 &&
      (v.items[0] == "none" || v.items[0] == "null" || v.items[0] == "~"))
    return std::nullopt;
  return number(name);
}

double LayerArgs::number(const std::string& name) const {
  const ArgValue& v = value(name);
  std::optional<double> x = !v.is_list && v.items.size() == 1 ? parse_double(v.items[0]) : std::nullopt;
  if (!x || !std::isfinite(*x))
    fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Float), v.str()));
  return *x;
}

bool LayerArgs::boolean(const std::string& name) const {
  const ArgValue& v = value(name);
  if (!v.is_list && v.items.size() == 1) {
    if (v.items[0] == "true") return true;
    if (v.items[0] == "false") return false;
  }
  fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Bool), v.str()));
}

std::string LayerArgs::text(const std::string& name) const {
  const ArgValue& v = value(name);
  if (v.is_list || v.items.size() != 1)
    fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::String), v.str()));
  return v.items[0];
}

std::vector<double> LayerArgs::numbers(const std::string& name) const {
  const ArgValue& v = value(name);
  std::vector<double> out;
  for (const auto& item : v.items) {
    auto x = parse_double(item);
    if (!x || !std::isfinite(*x)) {
      fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Floats), v.str()));
    }
    out.push_back(*x);
  }
  if (out.empty())
    fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Floats), v.str()));
  return out;
}

std::vector<int64_t> LayerArgs::integers(const std::string& name) const {
  const ArgValue& v = value(name);
  std::vector<int64_t> out;
  for (const auto& item : v.items) {
    auto x = parse_int(item);
    if (!x) fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Ints), v.str()));
    out.push_back(*x);
  }
  if (out.empty())
    fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Ints), v.str()));
  return out;
}

ops::Size2 LayerArgs::size2(const std::string& name) const {
  const ArgValue& v = value(name);
  std::vector<std::optional<int64_t>> xs;
  for (const auto& item : v.items) xs.push_back(parse_int(item));
  const bool ok = (xs.size() == 1 || (xs.size() == 2 && v.is_list)) &&
                  std::all_of(xs.begin(), xs.end(), [](const auto& x) { return x.has_value(); });
  if (!ok) fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Size2), v.str()));
  return xs.size() == 1 ? ops::Size2(*xs[0]) : ops::Size2(*xs[0], *xs[1]);
}

ops::Padding2 LayerArgs::padding(const std::string& name) const {
  const ArgValue& v = value(name);
  if (!v.is_list && v.items.size() == 1 && (v.items[0] == "same" || v.items[0] == "valid"))
    return ops::Padding2::from_mode(v.items[0]);
  std::vector<std::optional<int64_t>> xs;
  for (const auto& item : v.items) xs.push_back(parse_int(item));
  const bool ok = (xs.size() == 1 || (xs.size() == 2 && v.is_list)) &&
                  std::all_of(xs.begin(), xs.end(), [](const auto& x) { return x.has_value(); });
  if (!ok)
    fail(fmt::format("argument '{}' must be {}, got '{}'", name, kind_word(ArgKind::Padding), v.str()));
  return xs.size() == 1 ? ops::Padding2(*xs[0]) : ops::Padding2(*xs[0], *xs[1]);
}

void LayerRegistry::add(LayerType type) {
  const std::string name = type.name;
  types_[name] = std::move(type);
}

const LayerType* LayerRegistry::find(const std::string& name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> LayerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, _] : types_) out.push_back(n);
  return out;
}

std::shared_ptr<Module> LayerRegistry::create(const std::string& name, const ArgMap& values,
                                              const Shape& input,
                                              const std::map<std::string, ArgValue>& variables) const {
  const LayerType* type = find(name);
  if (!type) STRATA_FAIL("unknown layer '{}' (known: {})", name, join(names()));
  const LayerArgs args(name, type->args, values, input, variables);
  try {
    return type->create(args);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind("layer '", 0) == 0) throw;
    STRATA_FAIL("layer '{}': {}", name, msg);
  }
}

ArgMap LayerRegistry::shorthand(const std::string& name, const ArgValue& value) const {
  const LayerType* type = find(name);
  if (!type) STRATA_FAIL("unknown layer '{}' (known: {})", name, join(names()));
  if (type->args.empty()) STRATA_FAIL("layer '{}' takes no arguments, got '{}'", name, value.str());
  for (const ArgSpec& spec : type->args) {
    if (!spec.fallback && !spec.infer) return {{spec.name, value}};
  }
  return {{type->args[0].name, value}};
}

ArgMap LayerRegistry::by_position(const std::string& name, const std::vector<ArgValue>& positional) const {
  const LayerType* type = find(name);
  if (!type) STRATA_FAIL("unknown layer '{}' (known: {})", name, join(names()));
  if (positional.size() > type->args.size()) {
    std::vector<std::string> known;
    for (const auto& s : type->args) known.push_back(s.name);
    STRATA_FAIL("layer '{}' takes at most {} arguments ({}), got {}", name, type->args.size(),
                known.empty() ? "none" : join(known), positional.size());
  }
  ArgMap out;
  for (size_t i = 0; i < positional.size(); ++i) out[type->args[i].name] = positional[i];
  return out;
}

}  // namespace strata::nn
