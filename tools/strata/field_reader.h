#pragma once
// Reading YAML config fields with errors that name the file, line and field (or the command-line override
// that set the field): what `strata train` (config.cpp) and `strata rl` (rl_config.cpp) share.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "config.h"
#include "strata/core/error.h"
#include "strata/nn/layer_registry.h"

namespace strata::cli {

inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

inline std::string join(const std::set<std::string>& items) {
  return join(std::vector<std::string>(items.begin(), items.end()));
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

template <typename T>
const char* type_word() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean (true or false)";
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "a non-negative integer";
  if constexpr (std::is_integral_v<T>) return "an integer";
  if constexpr (std::is_floating_point_v<T>) return "a number";
  return "a string";
}

// The plural of type_word, for lists: "integers", "strings".
template <typename T>
const char* plural_word() {
  if constexpr (std::is_same_v<T, bool>) return "booleans (true or false)";
  if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "non-negative integers";
  if constexpr (std::is_integral_v<T>) return "integers";
  if constexpr (std::is_floating_point_v<T>) return "numbers";
  return "strings";
}

inline std::string describe(const YAML::Node& v) {
  if (v.IsScalar()) return "'" + v.Scalar() + "'";
  if (v.IsMap()) return "a map";
  if (v.IsSequence()) return "a list";
  return "nothing";
}

// Reads fields of one YAML document; errors are prefixed with "file:line:" or, for a field that a
// command-line override set, with that override as the user wrote it.
class FieldReader {
 public:
  FieldReader(std::string path, std::vector<Override> overrides)
      : path_(std::move(path)), overrides_(std::move(overrides)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& field, const std::string& message) const {
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      if (!field.empty() && (field == it->key || starts_with(field, it->key + "."))) {
        throw Error(fmt::format("{}: {}", it->origin, message));
      }
    }
    if (node.IsDefined() && node.Mark().line >= 0)
      throw Error(fmt::format("{}:{}: {}", path_, line(node), message));
    throw Error(fmt::format("{}: {}", path_, message));
  }

  // "file:line" (or the override) where `node` was written, for messages built later (layers).
  std::string where(const YAML::Node& node, const std::string& field) const {
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      if (field == it->key || starts_with(field, it->key + ".")) return it->origin;
    }
    return fmt::format("{}:{}", path_, line(node));
  }

  static int line(const YAML::Node& node) { return node.Mark().line + 1; }

  // The config file as a YAML map with the overrides applied; unreadable, empty or non-map files raise
  // strata::Error naming the file (and the line).
  YAML::Node load_document() const {
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(path_);
    } catch (const YAML::ParserException& e) {
      throw Error(fmt::format("{}:{}: invalid YAML: {}", path_, e.mark.line + 1, e.msg));
    } catch (const YAML::Exception& e) {
      throw Error(fmt::format("{}: cannot read: {}", path_, e.msg));
    }
    if (doc.IsNull()) throw Error(fmt::format("{}: the config is empty", path_));
    if (!doc.IsMap()) fail(doc, "", fmt::format("the config must be a YAML map, got {}", describe(doc)));
    for (const Override& o : overrides_) apply(doc, o);
    return doc;
  }

  // Converts a scalar; a wrong type names the field and the value found.
  template <typename T>
  T as(const YAML::Node& v, const std::string& field) const {
    try {
      if (!v.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "");
      return v.as<T>();
    } catch (const YAML::Exception&) {
      fail(v, field, fmt::format("field '{}' must be {}, got {}", field, type_word<T>(), describe(v)));
    }
  }

  // Reads `section.key` of map `node` into `out` when present (null counts as absent).
  template <typename T>
  bool read(const YAML::Node& node, const std::string& section, const char* key, T& out) const {
    if (!node.IsMap()) return false;
    const YAML::Node v = node[key];
    if (!v.IsDefined() || v.IsNull()) return false;
    out = as<T>(v, section + "." + key);
    return true;
  }

  template <typename T>
  bool read_list(const YAML::Node& node, const std::string& section, const char* key,
                 std::vector<T>& out) const {
    if (!node.IsMap()) return false;
    const YAML::Node v = node[key];
    if (!v.IsDefined() || v.IsNull()) return false;
    const std::string field = section + "." + key;
    if (!v.IsSequence()) {
      fail(v, field,
           fmt::format("field '{}' must be a list of {}, got {}", field, plural_word<T>(), describe(v)));
    }
    out.clear();
    for (const auto& item : v) out.push_back(as<T>(item, field));
    return true;
  }

  // A section: absent/null, a map, or (when `shorthand`) a scalar naming it ("optimizer: sgd").
  void check_section(const YAML::Node& node, const std::string& section, bool shorthand) const {
    if (!node.IsDefined() || node.IsNull() || node.IsMap() || (shorthand && node.IsScalar())) return;
    fail(node, section,
         fmt::format("'{}' must be a map{}, got {}", section, shorthand ? " or a name" : "", describe(node)));
  }

  void check_keys(const YAML::Node& node, const std::string& section,
                  const std::set<std::string>& allowed) const {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const std::string field = section.empty() ? key : section + "." + key;
      if (!allowed.count(key)) {
        fail(kv.first, field,
             fmt::format("unknown field '{}'{} (known: {})", field,
                         did_you_mean(key, std::vector<std::string>(allowed.begin(), allowed.end())),
                         join(allowed)));
      }
    }
  }

  // Fields of `node` that do not apply to the chosen variant ("momentum" for adam).
  void check_applies(const YAML::Node& node, const std::string& section, const std::string& variant,
                     const std::set<std::string>& applies) const {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (key != "name" && !applies.count(key)) {
        fail(kv.first, section + "." + key,
             fmt::format("field '{}.{}' does not apply to {} '{}' (its fields: {})", section, key, section,
                         variant, join(applies)));
      }
    }
  }

  // For a section with variants (optimizer: sgd, adam, ...) given each variant's fields: the variant names,
  // and every key the section may hold ("name" and the fields of all variants).
  static std::pair<std::set<std::string>, std::set<std::string>> variant_keys(
      const std::map<std::string, std::set<std::string>>& fields) {
    std::set<std::string> names, all{"name"};
    for (const auto& [n, f] : fields) {
      names.insert(n);
      all.insert(f.begin(), f.end());
    }
    return {names, all};
  }

  // The `name` of a section written as a map or as a bare name, checked against `known`.
  std::string name_of(const YAML::Node& node, const std::string& section, const std::string& fallback,
                      const std::set<std::string>& known) const {
    std::string name = fallback;
    YAML::Node at = node;
    if (node.IsScalar()) {
      name = as<std::string>(node, section);
    } else if (node.IsMap() && node["name"].IsDefined() && !node["name"].IsNull()) {
      at.reset(node["name"]);  // rebind: assigning would overwrite the section
      name = as<std::string>(at, section + ".name");
    }
    if (!known.count(name)) {
      fail(
          at, section + ".name",
          fmt::format("unknown {} '{}'{} (known: {})", section, name,
                      did_you_mean(name, std::vector<std::string>(known.begin(), known.end())), join(known)));
    }
    return name;
  }

  // The options of a registry entry as written in a section (a map), each checked to be a scalar or a
  // list of scalars; their kinds and ranges are checked by building the object (check_options).
  nn::ArgMap read_options(const YAML::Node& node, const std::string& section,
                          const std::vector<nn::ArgSpec>& specs, const std::set<std::string>& skip) const {
    nn::ArgMap options;
    if (!node.IsMap()) return options;
    for (const auto& spec : specs) {
      if (skip.count(spec.name) || !node[spec.name].IsDefined()) continue;
      const YAML::Node v = node[spec.name];
      const std::string field = section + "." + spec.name;
      if (v.IsScalar()) {
        options[spec.name] = nn::ArgValue(v.Scalar());
        continue;
      }
      std::vector<std::string> items;
      if (v.IsSequence()) {
        for (const auto& item : v) {
          if (!item.IsScalar())
            fail(v, field, fmt::format("field '{}' must hold plain values, got a nested list or map", field));
          items.push_back(item.Scalar());
        }
      }
      if (!v.IsSequence() || items.empty()) {
        fail(v, field,
             fmt::format("field '{}' must be a value or a list of values, got {}", field, describe(v)));
      }
      options[spec.name] = nn::ArgValue::list(std::move(items));
    }
    return options;
  }

  // Builds the object the options are for (`build` throws on a bad one). A message naming one of the
  // options is reported at that option's line, any other at the section's.
  void check_options(const YAML::Node& node, const std::string& section, const nn::ArgMap& options,
                     const std::function<void()>& build) const {
    try {
      build();
    } catch (const Error& e) {
      const std::string msg = e.what();
      for (const auto& [key, value] : options) {
        if (names_word(msg, key)) fail(node[key], section + "." + key, msg);
      }
      fail(node, section, msg);
    }
  }

  // Whether `word` appears in `text` on its own (not inside a longer name).
  static bool names_word(const std::string& text, const std::string& word) {
    auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
      const size_t end = at + word.size();
      if ((at == 0 || !ident(text[at - 1])) && (end == text.size() || !ident(text[end]))) return true;
    }
    return false;
  }

  // Sets `o.key` in `doc`, creating maps on the way; "optimizer: sgd" becomes {name: sgd} first.
  void apply(YAML::Node& doc, const Override& o) const {
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::Exception& e) {
      throw Error(fmt::format("{}: invalid YAML value: {}", o.origin, e.msg));
    }
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t dot = o.key.find('.', start);
      parts.push_back(o.key.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    YAML::Node cur = doc;
    std::string prefix;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      prefix += (i ? "." : "") + parts[i];
      YAML::Node next = cur[parts[i]];
      if (!next.IsDefined() || next.IsNull()) {
        cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      } else if (next.IsScalar() && i == 0) {
        YAML::Node named(YAML::NodeType::Map);
        named["name"] = next.Scalar();
        cur[parts[i]] = named;
      } else if (!next.IsMap()) {
        throw Error(fmt::format("{}: '{}' is {} in the config, not a map", o.origin, prefix, describe(next)));
      }
      cur.reset(cur[parts[i]]);
    }
    cur[parts.back()] = value;
  }

 protected:
  std::string path_;
  std::vector<Override> overrides_;
};

}  // namespace strata::cli
