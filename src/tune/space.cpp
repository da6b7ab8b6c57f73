#include "strata/tune/space.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "strata/core/error.h"
#include "strata/metrics/metric.h"
#include "strata/metrics/registry.h"

namespace strata::tune {
namespace {

// Real numbers print in their shortest round-trip form, always with a '.' or exponent so they read back
// as reals.
std::string real_text(double v) {
  std::string s = fmt::format("{}", v);
  if (std::isfinite(v) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string list_text(const std::vector<Value>& values) {
  std::string s;
  for (const Value& v : values) s += (s.empty() ? "" : ", ") + to_string(v);
  return s;
}

// Parses an integer or a real from text; nullopt when it is neither.
std::optional<Value> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t i = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, i);
  if (ec == std::errc() && p == end) return Value(i);
  try {
    size_t used = 0;
    const double d = std::stod(text, &used);
    if (used == text.size()) return Value(d);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

double clamp_unit(double u) { return std::isfinite(u) ? std::clamp(u, 0.0, 1.0) : 0.5; }

// Int parameters: the integers low..high widened by half a step on each side, so that every integer gets an
// equal bin (equal in log space when log).
std::pair<double, double> int_span(const Param& p) {
  const double lo = p.low - 0.5, hi = p.high + 0.5;
  return p.log ? std::pair{std::log(lo), std::log(hi)} : std::pair{lo, hi};
}

void check_param(const Param& p) {
  STRATA_CHECK(!p.name.empty(), "search space: a parameter has an empty name");
  const auto& n = p.name;
  switch (p.distribution) {
    case Distribution::Uniform:
      STRATA_CHECK(std::isfinite(p.low) && std::isfinite(p.high),
                   "{}: uniform bounds must be finite, got [{}, {}]", n, p.low, p.high);
      STRATA_CHECK(p.low < p.high, "{}: uniform needs low < high, got low = {}, high = {}", n, p.low, p.high);
      break;
    case Distribution::LogUniform:
      STRATA_CHECK(p.low > 0 && p.high > 0,
                   "{}: loguniform needs positive bounds (it samples log(x)), got low = {}, high = {}", n,
                   p.low, p.high);
      STRATA_CHECK(std::isfinite(p.high), "{}: loguniform bounds must be finite, got high = {}", n, p.high);
      STRATA_CHECK(p.low < p.high, "{}: loguniform needs low < high, got low = {}, high = {}", n, p.low,
                   p.high);
      break;
    case Distribution::Int:
      STRATA_CHECK(std::isfinite(p.low) && std::isfinite(p.high) && p.low == std::floor(p.low) &&
                       p.high == std::floor(p.high),
                   "{}: int bounds must be integers, got low = {}, high = {}", n, p.low, p.high);
      STRATA_CHECK(p.low <= p.high, "{}: int needs low <= high, got low = {}, high = {}", n, p.low, p.high);
      STRATA_CHECK(!p.log || p.low >= 1, "{}: int with log: true needs low >= 1, got low = {}", n, p.low);
      break;
    case Distribution::Choice: {
      STRATA_CHECK(!p.choices.empty(), "{}: choice needs at least one value", n);
      for (size_t i = 0; i < p.choices.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          STRATA_CHECK(!values_equal(p.choices[i], p.choices[j]), "{}: choice value {} is listed twice", n,
                       to_string(p.choices[i]));
        }
      }
      break;
    }
  }
  STRATA_CHECK(p.grid_points >= 0, "{}: grid must be positive, got {}", n, p.grid_points);
}

// ---- YAML ------------------------------------------------------------------------------------------------

class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& field, const std::string& message) const {
    const std::string where = node.IsDefined() && node.Mark().line >= 0
                                  ? fmt::format("{}:{}", source_, node.Mark().line + 1)
                                  : source_;
    throw Error(fmt::format("{}: {}: {}", where, field, message));
  }

  double number(const YAML::Node& node, const std::string& field) const {
    if (!node.IsDefined() || node.IsNull()) fail(node, field, "is missing");
    if (node.IsScalar()) {
      if (auto v = parse_number(node.Scalar())) return to_double(*v);
    }
    fail(node, field,
         fmt::format("must be a number, got '{}'", node.IsScalar() ? node.Scalar() : "a list or map"));
  }

  Value value(const YAML::Node& node, const std::string& field) const {
    if (!node.IsScalar()) fail(node, field, "must be a number or a word, not a list or map");
    if (auto v = parse_number(node.Scalar())) return *v;
    return node.Scalar();
  }

  std::vector<Value> values(const YAML::Node& node, const std::string& field) const {
    std::vector<Value> out;
    if (node.IsSequence()) {
      for (const auto& item : node) out.push_back(value(item, field));
    } else {
      out.push_back(value(node, field));
    }
    return out;
  }

  Param param(const std::string& name, const YAML::Node& node) const {
    const std::string field = "parameters." + name;
    if (!node.IsMap()) fail(node, field, "must be a map such as {distribution: uniform, low: 0, high: 1}");
    static const std::set<std::string> keys{"distribution", "low", "high", "log", "values", "when", "grid"};
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (!keys.count(key)) {
        fail(
            kv.first, field,
            fmt::format("unknown field '{}' (known: distribution, low, high, log, values, when, grid)", key));
      }
    }
    Param p;
    p.name = name;
    const YAML::Node dist = node["distribution"];
    if (!dist.IsDefined())
      fail(node, field + ".distribution", "is missing (uniform, loguniform, int or choice)");
    const std::string d = dist.IsScalar() ? dist.Scalar() : "";
    if (d == "uniform") {
      p.distribution = Distribution::Uniform;
    } else if (d == "loguniform" || d == "log_uniform") {
      p.distribution = Distribution::LogUniform;
      p.log = true;
    } else if (d == "int" || d == "integer") {
      p.distribution = Distribution::Int;
    } else if (d == "choice" || d == "categorical") {
      p.distribution = Distribution::Choice;
    } else {
      fail(dist, field + ".distribution",
           fmt::format("unknown distribution '{}' (known: uniform, loguniform, int, choice)", d));
    }
    if (p.distribution == Distribution::Choice) {
      for (const char* k : {"low", "high", "log"}) {
        if (node[k].IsDefined()) fail(node[k], field + "." + k, "does not apply to a choice (give 'values')");
      }
      const YAML::Node vals = node["values"];
      if (!vals.IsDefined()) fail(node, field + ".values", "is missing (a list of the choices)");
      if (!vals.IsSequence() || vals.size() == 0) fail(vals, field + ".values", "must be a non-empty list");
      p.choices = values(vals, field + ".values");
    } else {
      if (node["values"].IsDefined()) {
        fail(node["values"], field + ".values", fmt::format("does not apply to {} (give low and high)", d));
      }
      p.low = number(node["low"], field + ".low");
      p.high = number(node["high"], field + ".high");
      if (node["log"].IsDefined()) {
        bool log = false;
        try {
          log = node["log"].as<bool>();
        } catch (const YAML::Exception&) {
          fail(node["log"], field + ".log", "must be true or false");
        }
        if (p.distribution == Distribution::Uniform && log) {
          fail(node["log"], field + ".log", "use distribution: loguniform for a log-scaled real");
        }
        if (p.distribution == Distribution::Int) p.log = log;
      }
    }
    if (node["grid"].IsDefined()) {
      const double g = number(node["grid"], field + ".grid");
      if (g < 1 || g != std::floor(g)) fail(node["grid"], field + ".grid", "must be a positive integer");
      p.grid_points = static_cast<int>(g);
    }
    if (node["when"].IsDefined()) {
      const YAML::Node w = node["when"];
      if (!w.IsMap() || w.size() != 1) {
        fail(w, field + ".when",
             "must be a one-entry map such as {optimizer: sgd} or {optimizer: [sgd, rmsprop]}");
      }
      const auto kv = *w.begin();
      p.condition = Condition{kv.first.as<std::string>(), values(kv.second, field + ".when")};
    }
    return p;
  }

  SearchSpace space(const YAML::Node& params) const {
    if (!params.IsDefined() || params.IsNull()) {
      fail(params, "parameters", "is missing: the search space needs at least one parameter");
    }
    if (!params.IsMap()) fail(params, "parameters", "must be a map of parameter name -> distribution");
    if (params.size() == 0)
      fail(params, "parameters", "is empty: the search space needs at least one parameter");
    SearchSpace s;
    for (const auto& kv : params) {
      const std::string name = kv.first.as<std::string>();
      Param p = param(name, kv.second);
      try {
        s.add(std::move(p));
      } catch (const Error& e) {
        // add() says "<name>: ..."; put the file, line and full field in front.
        std::string msg = e.what();
        if (msg.rfind(name + ": ", 0) == 0) msg = msg.substr(name.size() + 2);
        fail(kv.second, "parameters." + name, msg);
      }
    }
    return s;
  }

 private:
  std::string source_;
};

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(fmt::format("{}:{}: invalid YAML: {}", source, e.mark.line + 1, e.msg));
  }
}

std::string read_file(const std::string& path) {
  STRATA_CHECK(std::filesystem::exists(path), "search space file {} does not exist", path);
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "cannot read search space file {}", path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

std::string to_string(const Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return real_text(*d);
  return std::get<std::string>(value);
}

double to_double(const Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  STRATA_FAIL("tune: value '{}' is text, not a number", std::get<std::string>(value));
}

bool values_equal(const Value& a, const Value& b) {
  const bool a_text = std::holds_alternative<std::string>(a), b_text = std::holds_alternative<std::string>(b);
  if (a_text || b_text) return a_text && b_text && std::get<std::string>(a) == std::get<std::string>(b);
  return to_double(a) == to_double(b);
}

std::string to_string(const Assignment& assignment) {
  std::string s = "{";
  for (const auto& [k, v] : assignment) s += (s.size() > 1 ? ", " : "") + k + ": " + to_string(v);
  return s + "}";
}

std::string to_string(Distribution distribution) {
  switch (distribution) {
    case Distribution::Uniform:
      return "uniform";
    case Distribution::LogUniform:
      return "loguniform";
    case Distribution::Int:
      return "int";
    case Distribution::Choice:
      return "choice";
  }
  return "?";
}

Condition when(std::string parent, std::vector<Value> values) {
  return Condition{std::move(parent), std::move(values)};
}

// ---- Param -----------------------------------------------------------------------------------------------

int64_t Param::cardinality() const {
  if (distribution == Distribution::Choice) return static_cast<int64_t>(choices.size());
  if (distribution == Distribution::Int) return static_cast<int64_t>(high - low) + 1;
  return 0;
}

Value Param::from_unit(double u) const {
  u = clamp_unit(u);
  switch (distribution) {
    case Distribution::Uniform:
      return u >= 1 ? high : low + u * (high - low);
    case Distribution::LogUniform:
      // The ends exactly (exp(log(x)) is not always x).
      if (u <= 0) return low;
      if (u >= 1) return high;
      return std::clamp(std::exp(std::log(low) + u * (std::log(high) - std::log(low))), low, high);
    case Distribution::Int: {
      const auto [a, b] = int_span(*this);
      const double w = a + u * (b - a);
      const double x = log ? std::exp(w) : w;
      return static_cast<int64_t>(std::clamp(std::round(x), low, high));
    }
    case Distribution::Choice: {
      const auto k = static_cast<int64_t>(choices.size());
      return choices[static_cast<size_t>(
          std::min<int64_t>(static_cast<int64_t>(u * static_cast<double>(k)), k - 1))];
    }
  }
  return Value{};
}

double Param::to_unit(const Value& value) const {
  check(value);
  switch (distribution) {
    case Distribution::Uniform:
      return (to_double(value) - low) / (high - low);
    case Distribution::LogUniform:
      return (std::log(to_double(value)) - std::log(low)) / (std::log(high) - std::log(low));
    case Distribution::Int: {
      const auto [a, b] = int_span(*this);
      const double x = to_double(value);
      return ((log ? std::log(x) : x) - a) / (b - a);
    }
    case Distribution::Choice:
      return (static_cast<double>(choice_index(value)) + 0.5) / static_cast<double>(choices.size());
  }
  return 0.5;
}

int64_t Param::choice_index(const Value& value) const {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (values_equal(choices[i], value)) return static_cast<int64_t>(i);
  }
  return -1;
}

void Param::check(const Value& value) const {
  if (distribution == Distribution::Choice) {
    STRATA_CHECK(choice_index(value) >= 0, "{}: {} is not one of the choices ({})", name, to_string(value),
                 list_text(choices));
    return;
  }
  STRATA_CHECK(!std::holds_alternative<std::string>(value), "{}: expected a number, got '{}'", name,
               std::get<std::string>(value));
  const double x = to_double(value);
  if (distribution == Distribution::Int) {
    STRATA_CHECK(x == std::floor(x), "{}: expected an integer, got {}", name, to_string(value));
  }
  // Reals may sit a rounding error outside the bounds after a trip through text.
  const double slack =
      distribution == Distribution::Int ? 0.0 : 1e-12 * std::max(std::abs(low), std::abs(high));
  STRATA_CHECK(x >= low - slack && x <= high + slack, "{}: {} is outside [{}, {}]", name, to_string(value),
               real_text(low), real_text(high));
}

// ---- SearchSpace -----------------------------------------------------------------------------------------

SearchSpace& SearchSpace::uniform(const std::string& name, double low, double high,
                                  std::optional<Condition> condition) {
  return add(Param{.name = name,
                   .distribution = Distribution::Uniform,
                   .low = low,
                   .high = high,
                   .condition = std::move(condition)});
}

SearchSpace& SearchSpace::loguniform(const std::string& name, double low, double high,
                                     std::optional<Condition> condition) {
  return add(Param{.name = name,
                   .distribution = Distribution::LogUniform,
                   .low = low,
                   .high = high,
                   .log = true,
                   .condition = std::move(condition)});
}

SearchSpace& SearchSpace::integer(const std::string& name, int64_t low, int64_t high, bool log,
                                  std::optional<Condition> condition) {
  return add(Param{.name = name,
                   .distribution = Distribution::Int,
                   .low = static_cast<double>(low),
                   .high = static_cast<double>(high),
                   .log = log,
                   .condition = std::move(condition)});
}

SearchSpace& SearchSpace::choice(const std::string& name, std::vector<Value> choices,
                                 std::optional<Condition> condition) {
  return add(Param{.name = name,
                   .distribution = Distribution::Choice,
                   .choices = std::move(choices),
                   .condition = std::move(condition)});
}

SearchSpace& SearchSpace::add(Param p) {
  check_param(p);
  STRATA_CHECK(!has(p.name), "{}: the parameter is defined twice", p.name);
  if (p.distribution == Distribution::LogUniform) p.log = true;
  if (p.condition) {
    const Condition& c = *p.condition;
    STRATA_CHECK(has(c.parent), "{}: 'when' refers to '{}', which is not a parameter defined before it",
                 p.name, c.parent);
    const Param& parent = param(c.parent);
    STRATA_CHECK(parent.distribution == Distribution::Choice,
                 "{}: 'when' refers to '{}', which is a {} parameter; conditions need a choice parameter",
                 p.name, c.parent, to_string(parent.distribution));
    STRATA_CHECK(!c.values.empty(), "{}: 'when' lists no values of '{}'", p.name, c.parent);
    for (const Value& v : c.values) {
      STRATA_CHECK(parent.choice_index(v) >= 0, "{}: 'when' value {} is not a choice of '{}' ({})", p.name,
                   to_string(v), c.parent, list_text(parent.choices));
    }
  }
  params_.push_back(std::move(p));
  return *this;
}

SearchSpace SearchSpace::from_yaml(const std::string& text, const std::string& source) {
  const YAML::Node doc = load_yaml(text, source);
  const YamlReader reader(source);
  if (doc.IsMap() && doc["parameters"].IsDefined()) return reader.space(doc["parameters"]);
  if (!doc.IsDefined() || doc.IsNull())
    reader.fail(doc, "parameters", "is missing: the search space is empty");
  return reader.space(doc);
}

SearchSpace SearchSpace::load(const std::string& path) { return from_yaml(read_file(path), path); }

bool SearchSpace::has(const std::string& name) const {
  return std::any_of(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; });
}

const Param& SearchSpace::param(const std::string& name) const {
  for (const Param& p : params_) {
    if (p.name == name) return p;
  }
  std::string known;
  for (const Param& p : params_) known += (known.empty() ? "" : ", ") + p.name;
  STRATA_FAIL("search space: no parameter '{}' (parameters: {})", name, known.empty() ? "none" : known);
}

bool SearchSpace::is_active(const Param& p, const Assignment& assignment) const {
  if (!p.condition) return true;
  auto it = assignment.find(p.condition->parent);
  if (it == assignment.end()) return false;
  return std::any_of(p.condition->values.begin(), p.condition->values.end(),
                     [&](const Value& v) { return values_equal(v, it->second); });
}

Assignment SearchSpace::sample(std::mt19937_64& rng) const {
  std::vector<double> u(params_.size());
  // 53 random bits -> [0, 1): the same numbers on every platform (unlike uniform_real_distribution).
  for (double& x : u) x = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return from_unit(u);
}

Assignment SearchSpace::from_unit(const std::vector<double>& u) const {
  STRATA_CHECK(u.size() == params_.size(), "search space: from_unit got {} coordinates for {} parameters",
               u.size(), params_.size());
  Assignment a;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (is_active(params_[i], a)) a[params_[i].name] = params_[i].from_unit(u[i]);
  }
  return a;
}

std::vector<double> SearchSpace::to_unit(const Assignment& assignment) const {
  std::vector<double> u(params_.size(), 0.5);
  for (size_t i = 0; i < params_.size(); ++i) {
    auto it = assignment.find(params_[i].name);
    if (it != assignment.end() && is_active(params_[i], assignment))
      u[i] = clamp_unit(params_[i].to_unit(it->second));
  }
  return u;
}

std::vector<double> SearchSpace::encode(const Assignment& assignment) const {
  std::vector<double> x;
  x.reserve(static_cast<size_t>(encoded_size()));
  for (const Param& p : params_) {
    auto it = assignment.find(p.name);
    const bool active = it != assignment.end() && is_active(p, assignment);
    if (p.distribution == Distribution::Choice) {
      const int64_t k = active ? p.choice_index(it->second) : -1;
      for (int64_t j = 0; j < static_cast<int64_t>(p.choices.size()); ++j) x.push_back(j == k ? 1.0 : 0.0);
    } else if (p.distribution == Distribution::Int) {
      // The integer's own position (not its bin's), so that low and high map to 0 and 1.
      double v = 0.5;
      if (active && p.high > p.low) {
        const double z = to_double(it->second);
        v = p.log ? (std::log(z) - std::log(p.low)) / (std::log(p.high) - std::log(p.low))
                  : (z - p.low) / (p.high - p.low);
      }
      x.push_back(clamp_unit(v));
    } else {
      x.push_back(active ? clamp_unit(p.to_unit(it->second)) : 0.5);
    }
  }
  return x;
}

int SearchSpace::encoded_size() const {
  int n = 0;
  for (const Param& p : params_)
    n += p.distribution == Distribution::Choice ? static_cast<int>(p.choices.size()) : 1;
  return n;
}

void SearchSpace::validate(const Assignment& assignment) const {
  for (const auto& [name, value] : assignment) {
    STRATA_CHECK(has(name), "search space: unknown parameter '{}' in {}", name, to_string(assignment));
  }
  for (const Param& p : params_) {
    auto it = assignment.find(p.name);
    if (is_active(p, assignment)) {
      STRATA_CHECK(it != assignment.end(), "{}: missing from {}", p.name, to_string(assignment));
      p.check(it->second);
    } else {
      STRATA_CHECK(it == assignment.end(), "{}: is set but inactive ({} is not {})", p.name,
                   p.condition->parent, list_text(p.condition->values));
    }
  }
}

Assignment SearchSpace::parse(const std::map<std::string, std::string>& text) const {
  Assignment a;
  for (const Param& p : params_) {
    auto it = text.find(p.name);
    if (it == text.end() || it->second.empty()) continue;
    const std::optional<Value> number = parse_number(it->second);
    if (p.distribution == Distribution::Choice) {
      // Match the choice by its text, so that "64" finds 64 and "sgd" finds "sgd".
      Value v = it->second;
      for (const Value& c : p.choices) {
        if (to_string(c) == it->second ||
            (number && !std::holds_alternative<std::string>(c) && values_equal(c, *number))) {
          v = c;
        }
      }
      a[p.name] = v;
    } else if (!number) {
      a[p.name] = it->second;  // validate() reports it
    } else if (p.distribution == Distribution::Int) {
      const double x = to_double(*number);
      a[p.name] = x == std::floor(x) ? Value(static_cast<int64_t>(x)) : *number;
    } else {
      a[p.name] = to_double(*number);
    }
  }
  return a;
}

// ---- objective and files ---------------------------------------------------------------------------------

Objective training_objective(const std::string& metric, const std::string& mode, const std::string& field) {
  const std::string bare = metric.rfind("val_", 0) == 0 ? metric.substr(4) : metric;
  bool higher = true;
  if (bare == "loss") {
    higher = false;
  } else if (bare == "accuracy") {
    higher = true;
  } else {
    std::unique_ptr<metrics::Metric> m;
    try {
      m = metrics::make(bare);
    } catch (const Error&) {
      std::string known = "loss";
      for (const std::string& n : metrics::names()) known += ", " + n;
      STRATA_FAIL(
          "{}: unknown metric '{}' (known, each also with a 'val_' prefix for the validation split: {})",
          field, metric, known);
    }
    STRATA_CHECK(m->is_scalar(), "{}: metric '{}' is not a single number, so it cannot be optimised", field,
                 metric);
    higher = m->higher_is_better();
  }
  Objective o{metric, higher};
  if (mode == "max") {
    o.maximize = true;
  } else if (mode == "min") {
    o.maximize = false;
  } else {
    STRATA_CHECK(mode == "auto", "{}: unknown mode '{}' (known: max, min, auto)",
                 field == "metric" ? std::string("mode") : field, mode);
  }
  return o;
}

SpaceFile parse_space_file(const std::string& text, const std::string& source) {
  const YAML::Node doc = load_yaml(text, source);
  const YamlReader reader(source);
  if (!doc.IsDefined() || doc.IsNull())
    reader.fail(doc, "parameters", "is missing: the search space is empty");
  if (!doc.IsMap()) reader.fail(doc, "space", "must be a YAML map with 'parameters' (and 'metric', 'mode')");
  for (const auto& kv : doc) {
    const std::string key = kv.first.as<std::string>();
    if (key != "parameters" && key != "metric" && key != "mode") {
      reader.fail(kv.first, key, "unknown field (known: metric, mode, parameters)");
    }
  }
  SpaceFile f;
  f.space = reader.space(doc["parameters"]);
  std::string metric = f.objective.metric, mode = "auto";
  if (doc["metric"].IsDefined()) {
    if (!doc["metric"].IsScalar()) reader.fail(doc["metric"], "metric", "must be a metric name");
    metric = doc["metric"].Scalar();
  }
  if (doc["mode"].IsDefined()) {
    if (!doc["mode"].IsScalar()) reader.fail(doc["mode"], "mode", "must be max, min or auto");
    mode = doc["mode"].Scalar();
  }
  try {
    f.objective = training_objective(metric, mode, "metric");
  } catch (const Error& e) {
    const std::string msg = e.what();
    const bool mode_error = msg.rfind("mode: ", 0) == 0;
    const YAML::Node& node = mode_error ? doc["mode"] : doc["metric"];
    reader.fail(node, mode_error ? "mode" : "metric", msg.substr(msg.find(": ") + 2));
  }
  return f;
}

SpaceFile load_space_file(const std::string& path) { return parse_space_file(read_file(path), path); }

}  // namespace strata::tune
