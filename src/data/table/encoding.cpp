#include "strata/data/table/encoding.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "data/table/table_util.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/io/safetensors.h"

namespace strata::data::table {
namespace {

using nlohmann::json;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Distinct present values of a column in category order (see Encoder::ColumnParams).
std::vector<std::string> observed_categories(const Column& c) {
  std::vector<std::string> out;
  if (c.type() == ColumnType::Category) {
    std::vector<uint8_t> seen(c.levels().size(), 0);
    for (int64_t i = 0; i < c.size(); ++i) {
      if (!c.is_missing(i)) seen[static_cast<size_t>(c.int_at(i))] = 1;
    }
    for (size_t k = 0; k < seen.size(); ++k) {
      if (seen[k]) out.push_back(c.levels()[k]);
    }
    return out;
  }
  if (c.is_numeric()) {
    std::vector<double> v = detail::present_values(c);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    for (double x : v) {
      if (c.type() == ColumnType::Bool) {
        out.push_back(x != 0 ? "true" : "false");
      } else if (c.type() == ColumnType::Int) {
        out.push_back(fmt::format("{}", static_cast<int64_t>(x)));
      } else {
        out.push_back(detail::format_double(x));
      }
    }
    return out;
  }
  std::unordered_set<std::string> seen;
  for (int64_t i = 0; i < c.size(); ++i) {
    if (!c.is_missing(i) && seen.insert(c.str(i)).second) out.push_back(c.str(i));
  }
  std::sort(out.begin(), out.end());
  return out;
}

const char* json_kind(EncoderKind k) {
  switch (k) {
    case EncoderKind::OneHot:
      return "one_hot";
    case EncoderKind::Ordinal:
      return "ordinal";
    case EncoderKind::Standard:
      return "standard";
    case EncoderKind::MinMax:
      return "min_max";
    case EncoderKind::Robust:
      return "robust";
  }
  return "?";
}

json encoder_json(const Encoder& e, bool with_numbers) {
  json j;
  j["kind"] = json_kind(e.kind());
  j["columns"] = e.options().columns;
  j["exclude"] = e.options().exclude;
  if (std::isnan(e.options().unknown_value)) {
    j["unknown_value"] = nullptr;
  } else {
    j["unknown_value"] = e.options().unknown_value;
  }
  j["feature_range"] = {e.options().feature_range.first, e.options().feature_range.second};
  j["fitted"] = e.fitted();
  json params = json::array();
  for (const auto& p : e.params()) {
    json q;
    q["column"] = p.column;
    if (e.is_scaler()) {
      if (with_numbers) {
        q["center"] = p.center;
        q["scale"] = p.scale;
        q["offset"] = p.offset;
      }
    } else {
      q["categories"] = p.categories;
    }
    params.push_back(std::move(q));
  }
  j["params"] = std::move(params);
  return j;
}

}  // namespace

EncoderKind parse_encoder_kind(std::string_view name) {
  const std::string n = detail::lower(name);
  if (n == "onehot" || n == "one_hot" || n == "one-hot") return EncoderKind::OneHot;
  if (n == "ordinal") return EncoderKind::Ordinal;
  if (n == "standard" || n == "zscore" || n == "standardize") return EncoderKind::Standard;
  if (n == "minmax" || n == "min_max" || n == "min-max") return EncoderKind::MinMax;
  if (n == "robust") return EncoderKind::Robust;
  STRATA_FAIL(
      "parse_encoder_kind: unknown encoder or scaler '{}' (expected onehot, ordinal, standard, minmax or "
      "robust)",
      name);
}

std::string_view to_string(EncoderKind kind) {
  switch (kind) {
    case EncoderKind::OneHot:
      return "onehot";
    case EncoderKind::Ordinal:
      return "ordinal";
    case EncoderKind::Standard:
      return "standard";
    case EncoderKind::MinMax:
      return "minmax";
    case EncoderKind::Robust:
      return "robust";
  }
  return "?";
}

// ---- Encoder ----------------------------------------------------------------------------------------

Encoder::Encoder(EncoderKind kind, EncoderOptions options) : kind_(kind), options_(std::move(options)) {
  STRATA_CHECK(options_.feature_range.first < options_.feature_range.second,
               "Encoder: feature_range ({}, {}) must be increasing", options_.feature_range.first,
               options_.feature_range.second);
}

bool Encoder::is_scaler() const { return kind_ != EncoderKind::OneHot && kind_ != EncoderKind::Ordinal; }

void Encoder::fit(const Table& train) {
  const std::string what = fmt::format("Encoder({})::fit", to_string(kind_));
  std::vector<std::string> cols;
  if (options_.columns.empty()) {
    cols = is_scaler() ? train.columns_of_type({ColumnType::Int, ColumnType::Float})
                       : train.columns_of_type({ColumnType::Category, ColumnType::String});
  } else {
    for (const auto& name : options_.columns) {
      STRATA_CHECK(train.has_column(name), "{}: no column '{}' (columns: {})", what, name,
                   fmt::join(train.column_names(), ", "));
      STRATA_CHECK(!is_scaler() || train.column(name).is_numeric(),
                   "{}: column '{}' is {}; scalers need numbers", what, name,
                   to_string(train.column(name).type()));
      cols.push_back(name);
    }
  }
  std::erase_if(cols, [&](const std::string& c) { return contains(options_.exclude, c); });
  params_.clear();
  for (const auto& name : cols) {
    const Column& c = train.column(name);
    ColumnParams p;
    p.column = name;
    if (!is_scaler()) {
      p.categories = observed_categories(c);
    } else {
      std::vector<double> v = detail::present_values(c);
      std::sort(v.begin(), v.end());
      STRATA_CHECK(!v.empty(), "{}: column '{}' has no values to fit on", what, name);
      if (kind_ == EncoderKind::Standard) {
        p.center = detail::mean(v);
        p.scale = detail::stddev(v, 0);
      } else if (kind_ == EncoderKind::MinMax) {
        const auto [a, b] = options_.feature_range;
        p.center = v.front();
        p.scale = (v.back() - v.front()) / (b - a);
        p.offset = a;
      } else {
        p.center = detail::quantile_sorted(v, 0.5);
        p.scale = detail::quantile_sorted(v, 0.75) - detail::quantile_sorted(v, 0.25);
      }
      if (!(p.scale > 0)) p.scale = 1.0;
    }
    params_.push_back(std::move(p));
  }
  fitted_ = true;
}

Table Encoder::transform(const Table& table, StepReport* report) const {
  const std::string what = fmt::format("Encoder({})::transform", to_string(kind_));
  STRATA_CHECK(fitted_, "{}: the encoder is not fitted; call fit() on the training split first", what);
  StepReport r;
  r.step = fmt::format("encode ({})", to_string(kind_));
  r.rows_before = r.rows_after = table.num_rows();
  r.columns_before = table.num_columns();
  Table out = table;
  const int64_t n = table.num_rows();
  for (size_t k = 0; k < params_.size(); ++k) {
    const ColumnParams& p = params_[k];
    STRATA_CHECK(table.has_column(p.column), "{}: the table has no column '{}' (fitted on [{}])", what,
                 p.column,
                 fmt::join(
                     [&] {
                       std::vector<std::string> names;
                       for (const auto& q : params_) names.push_back(q.column);
                       return names;
                     }(),
                     ", "));
    const Column& c = table.column(p.column);
    if (is_scaler()) {
      STRATA_CHECK(c.is_numeric(), "{}: column '{}' is {} but was fitted as numbers", what, p.column,
                   to_string(c.type()));
      std::vector<double> v = c.to_doubles();
      for (double& x : v) x = (x - p.center) / p.scale + p.offset;
      out.replace_column(p.column, Column::from_floats(p.column, std::move(v), c.missing_mask()));
      r.changes.push_back({p.column, "scaled", c.size() - c.missing_count(),
                           kind_ == EncoderKind::MinMax
                               ? fmt::format("(x - {:.6g}) / {:.6g} + {:g}", p.center, p.scale, p.offset)
                               : fmt::format("(x - {:.6g}) / {:.6g}", p.center, p.scale)});
      continue;
    }
    std::unordered_map<std::string, int64_t> index;
    for (size_t q = 0; q < p.categories.size(); ++q) index.emplace(p.categories[q], static_cast<int64_t>(q));
    std::vector<int64_t> codes(static_cast<size_t>(n), -1);
    int64_t unknown = 0;
    // Category columns map each level once; other columns look up each value's text.
    std::vector<int64_t> level_code;
    if (c.type() == ColumnType::Category) {
      for (const auto& level : c.levels()) {
        auto it = index.find(level);
        level_code.push_back(it == index.end() ? -1 : it->second);
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      if (c.is_missing(i)) continue;
      int64_t code;
      if (c.type() == ColumnType::Category) {
        code = level_code[static_cast<size_t>(c.int_values()[static_cast<size_t>(i)])];
      } else if (c.type() == ColumnType::String) {
        auto it = index.find(c.str(i));
        code = it == index.end() ? -1 : it->second;
      } else {
        auto it = index.find(c.text(i));
        code = it == index.end() ? -1 : it->second;
      }
      if (code < 0) {
        ++unknown;
      } else {
        codes[static_cast<size_t>(i)] = code;
      }
    }
    if (kind_ == EncoderKind::Ordinal) {
      std::vector<double> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t code = codes[static_cast<size_t>(i)];
        v[static_cast<size_t>(i)] = c.is_missing(i) ? std::nan("")
                                    : code >= 0     ? static_cast<double>(code)
                                                    : options_.unknown_value;
      }
      Column f = Column::from_floats(p.column, std::move(v));
      const bool integral =
          std::isnan(options_.unknown_value) || options_.unknown_value == std::trunc(options_.unknown_value);
      out.replace_column(p.column, integral ? f.cast(ColumnType::Int) : std::move(f));
      r.changes.push_back(
          {p.column, "encoded", n - c.missing_count(),
           fmt::format("ordinal codes 0..{} ({})", p.categories.size() - 1, fmt::join(p.categories, ", "))});
    } else {
      const int64_t pos = out.column_index(p.column);
      out.drop_column(p.column);
      for (size_t q = 0; q < p.categories.size(); ++q) {
        std::vector<bool> v(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
          v[static_cast<size_t>(i)] = codes[static_cast<size_t>(i)] == static_cast<int64_t>(q);
        const std::string name = fmt::format("{}_{}", p.column, p.categories[q]);
        STRATA_CHECK(!out.has_column(name), "{}: the one-hot column '{}' would replace an existing column",
                     what, name);
        out.insert_column(pos + static_cast<int64_t>(q), Column::from_bools(name, v));
        r.added_columns.push_back(name);
      }
      r.removed_columns.push_back(p.column);
      r.changes.push_back({p.column, "encoded", n - c.missing_count(),
                           fmt::format("one-hot into {} columns", p.categories.size())});
      if (c.missing_count() > 0) {
        r.changes.push_back(
            {p.column, "missing -> all zeros", c.missing_count(), "missing values have no category"});
      }
    }
    if (unknown > 0) {
      r.changes.push_back({p.column, "unknown category", unknown,
                           kind_ == EncoderKind::OneHot
                               ? "not seen in fit: all zeros"
                               : fmt::format("not seen in fit: code {}", options_.unknown_value)});
    }
  }
  r.columns_after = out.num_columns();
  r.description = fmt::format("{} {} fitted on the training split, applied to {} rows.",
                              is_scaler() ? "Scaled by" : "Encoded by", to_string(kind_), n);
  if (report) *report = std::move(r);
  return out;
}

Table Encoder::fit_transform(const Table& train, StepReport* report) {
  fit(train);
  return transform(train, report);
}

Table Encoder::inverse_transform(const Table& table) const {
  STRATA_CHECK(is_scaler(), "Encoder({})::inverse_transform: only scalers can be inverted", to_string(kind_));
  STRATA_CHECK(fitted_, "Encoder({})::inverse_transform: the scaler is not fitted", to_string(kind_));
  Table out = table;
  for (const auto& p : params_) {
    const Column& c = table.column(p.column);
    std::vector<double> v = c.to_doubles();
    for (double& x : v) x = (x - p.offset) * p.scale + p.center;
    out.replace_column(p.column, Column::from_floats(p.column, std::move(v), c.missing_mask()));
  }
  return out;
}

std::string Encoder::to_json() const { return encoder_json(*this, true).dump(); }

namespace {

Encoder encoder_from(const json& j, const char* what) {
  try {
    EncoderOptions o;
    o.columns = j.at("columns").get<std::vector<std::string>>();
    o.exclude = j.at("exclude").get<std::vector<std::string>>();
    o.unknown_value = j.at("unknown_value").is_null() ? std::nan("") : j.at("unknown_value").get<double>();
    o.feature_range = {j.at("feature_range").at(0).get<double>(), j.at("feature_range").at(1).get<double>()};
    Encoder e(parse_encoder_kind(j.at("kind").get<std::string>()), o);
    return e;
  } catch (const json::exception& ex) {
    STRATA_FAIL("{}: malformed encoder JSON: {}", what, ex.what());
  }
}

}  // namespace

Encoder Encoder::from_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& ex) {
    STRATA_FAIL("Encoder::from_json: not valid JSON: {}", ex.what());
  }
  Encoder e = encoder_from(j, "Encoder::from_json");
  try {
    e.fitted_ = j.at("fitted").get<bool>();
    for (const auto& q : j.at("params")) {
      ColumnParams p;
      p.column = q.at("column").get<std::string>();
      if (e.is_scaler()) {
        p.center = q.at("center").get<double>();
        p.scale = q.at("scale").get<double>();
        p.offset = q.at("offset").get<double>();
      } else {
        p.categories = q.at("categories").get<std::vector<std::string>>();
      }
      e.params_.push_back(std::move(p));
    }
  } catch (const json::exception& ex) {
    STRATA_FAIL("Encoder::from_json: malformed encoder JSON: {}", ex.what());
  }
  return e;
}

// ---- Preprocessor -----------------------------------------------------------------------------------

Preprocessor& Preprocessor::add(EncoderKind kind, EncoderOptions options) {
  steps_.emplace_back(kind, std::move(options));
  return *this;
}

Preprocessor& Preprocessor::add(Encoder encoder) {
  steps_.push_back(std::move(encoder));
  return *this;
}

bool Preprocessor::fitted() const {
  return std::all_of(steps_.begin(), steps_.end(), [](const Encoder& e) { return e.fitted(); });
}

void Preprocessor::fit(const Table& train) { fit_transform(train); }

Table Preprocessor::transform(const Table& table, std::vector<StepReport>* reports) const {
  Table t = table;
  if (reports) reports->clear();
  for (const auto& step : steps_) {
    StepReport r;
    t = step.transform(t, reports ? &r : nullptr);
    if (reports) reports->push_back(std::move(r));
  }
  return t;
}

Table Preprocessor::fit_transform(const Table& train, std::vector<StepReport>* reports) {
  Table t = train;
  if (reports) reports->clear();
  for (auto& step : steps_) {
    StepReport r;
    t = step.fit_transform(t, reports ? &r : nullptr);
    if (reports) reports->push_back(std::move(r));
  }
  return t;
}

std::string Preprocessor::to_json() const {
  json j;
  j["format"] = "strata.preprocessor";
  j["version"] = 1;
  j["steps"] = json::array();
  for (const auto& s : steps_) j["steps"].push_back(encoder_json(s, true));
  return j.dump();
}

Preprocessor Preprocessor::from_json(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& ex) {
    STRATA_FAIL("Preprocessor::from_json: not valid JSON: {}", ex.what());
  }
  STRATA_CHECK(j.is_object() && j.value("format", "") == "strata.preprocessor",
               "Preprocessor::from_json: not a strata.preprocessor JSON document");
  Preprocessor p;
  for (const auto& s : j.at("steps")) p.steps_.push_back(Encoder::from_json(s.dump()));
  return p;
}

void Preprocessor::export_to(std::map<std::string, Tensor>& tensors,
                             std::map<std::string, std::string>& metadata, const std::string& prefix) const {
  json j;
  j["format"] = "strata.preprocessor";
  j["version"] = 1;
  j["steps"] = json::array();
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Encoder& s = steps_[i];
    j["steps"].push_back(encoder_json(s, false));
    if (!s.is_scaler() || s.params().empty()) continue;
    std::vector<double> center, scale, offset;
    for (const auto& p : s.params()) {
      center.push_back(p.center);
      scale.push_back(p.scale);
      offset.push_back(p.offset);
    }
    tensors[fmt::format("{}.{}.center", prefix, i)] = from_vector<double>(center);
    tensors[fmt::format("{}.{}.scale", prefix, i)] = from_vector<double>(scale);
    tensors[fmt::format("{}.{}.offset", prefix, i)] = from_vector<double>(offset);
  }
  metadata[prefix] = j.dump();
}

Preprocessor Preprocessor::import_from(const std::map<std::string, Tensor>& tensors,
                                       const std::map<std::string, std::string>& metadata,
                                       const std::string& prefix) {
  auto it = metadata.find(prefix);
  STRATA_CHECK(it != metadata.end(), "Preprocessor::import_from: no metadata entry '{}'", prefix);
  json j;
  try {
    j = json::parse(it->second);
  } catch (const json::exception& ex) {
    STRATA_FAIL("Preprocessor::import_from: metadata '{}' is not valid JSON: {}", prefix, ex.what());
  }
  Preprocessor p;
  try {
    const json& steps = j.at("steps");
    for (size_t i = 0; i < steps.size(); ++i) {
      Encoder e = encoder_from(steps[i], "Preprocessor::import_from");
      e.fitted_ = steps[i].at("fitted").get<bool>();
      std::vector<double> center, scale, offset;
      if (e.is_scaler() && !steps[i].at("params").empty()) {
        const std::pair<const char*, std::vector<double>*> parts[] = {
            {"center", &center}, {"scale", &scale}, {"offset", &offset}};
        for (const auto& [name, values] : parts) {
          const std::string key = fmt::format("{}.{}.{}", prefix, i, name);
          auto t = tensors.find(key);
          STRATA_CHECK(t != tensors.end(), "Preprocessor::import_from: tensor '{}' is missing", key);
          STRATA_CHECK(
              t->second.dim() == 1 && t->second.size(0) == static_cast<int64_t>(steps[i].at("params").size()),
              "Preprocessor::import_from: tensor '{}' has shape {} but step {} has {} columns", key,
              t->second.shape().str(), i, steps[i].at("params").size());
          *values = t->second.to_vector<double>();
        }
      }
      size_t k = 0;
      for (const auto& q : steps[i].at("params")) {
        Encoder::ColumnParams cp;
        cp.column = q.at("column").get<std::string>();
        if (e.is_scaler()) {
          cp.center = center[k];
          cp.scale = scale[k];
          cp.offset = offset[k];
        } else {
          cp.categories = q.at("categories").get<std::vector<std::string>>();
        }
        e.params_.push_back(std::move(cp));
        ++k;
      }
      p.steps_.push_back(std::move(e));
    }
  } catch (const json::exception& ex) {
    STRATA_FAIL("Preprocessor::import_from: malformed metadata '{}': {}", prefix, ex.what());
  }
  return p;
}

void Preprocessor::save(const std::string& path) const {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
  export_to(tensors, metadata);
  io::save_safetensors(path, tensors, metadata);
}

Preprocessor Preprocessor::load(const std::string& path) {
  io::SafetensorsFile f = io::read_safetensors(path);
  return import_from(f.tensors, f.metadata);
}

}  // namespace strata::data::table
