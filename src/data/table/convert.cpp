#include "strata/data/table/convert.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::table {
namespace {

bool is_classification(const Column& c, TargetKind kind) {
  if (kind != TargetKind::Auto) return kind == TargetKind::Classification;
  return c.type() != ColumnType::Float;
}

void check_float_dtype(const char* what, Dtype dtype) {
  STRATA_CHECK(dtype == kFloat32 || dtype == kFloat64, "{}: dtype must be f32 or f64, got {}", what,
               dtype_name(dtype));
}

}  // namespace

Tensor features_tensor(const Table& table, const std::vector<std::string>& columns, Dtype dtype) {
  check_float_dtype("features_tensor", dtype);
  const std::vector<std::string> names = columns.empty() ? table.column_names() : columns;
  const int64_t n = table.num_rows();
  const auto d = static_cast<int64_t>(names.size());
  std::vector<const Column*> cols;
  for (const auto& name : names) {
    STRATA_CHECK(table.has_column(name), "features_tensor: no column '{}' (columns: {})", name,
                 fmt::join(table.column_names(), ", "));
    const Column& c = table.column(name);
    STRATA_CHECK(
        c.is_numeric(),
        "features_tensor: column '{}' is {}; encode it first (one-hot or ordinal) to use it as a feature",
        name, to_string(c.type()));
    STRATA_CHECK(c.missing_count() == 0,
                 "features_tensor: column '{}' has {} missing values; impute or drop them first", name,
                 c.missing_count());
    cols.push_back(&c);
  }
  Tensor out = empty({n, d}, {.dtype = dtype});
  auto fill = [&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    for (int64_t j = 0; j < d; ++j) {
      const Column& c = *cols[static_cast<size_t>(j)];
      if (c.type() == ColumnType::Float) {
        const double* v = c.float_values().data();
        for (int64_t i = 0; i < n; ++i) p[i * d + j] = static_cast<T>(v[i]);
      } else {
        const int64_t* v = c.int_values().data();
        for (int64_t i = 0; i < n; ++i) p[i * d + j] = static_cast<T>(v[i]);
      }
    }
  };
  if (dtype == kFloat32) {
    fill(out.data_ptr<float>());
  } else {
    fill(out.data_ptr<double>());
  }
  return out;
}

std::vector<std::string> class_names(const Column& target) {
  switch (target.type()) {
    case ColumnType::Category:
      return target.levels();
    case ColumnType::Bool:
      return {"false", "true"};
    case ColumnType::String:
      return target.cast(ColumnType::Category).levels();
    case ColumnType::Int: {
      int64_t hi = -1;
      for (int64_t i = 0; i < target.size(); ++i) {
        if (!target.is_missing(i)) hi = std::max(hi, target.int_at(i));
      }
      std::vector<std::string> out;
      for (int64_t k = 0; k <= hi; ++k) out.push_back(fmt::format("{}", k));
      return out;
    }
    case ColumnType::Float:
      break;
  }
  STRATA_FAIL("class_names: column '{}' is float; class targets are category, bool, string or int",
              target.name());
}

Tensor target_tensor(const Table& table, const std::string& column, TargetKind kind, Dtype dtype) {
  check_float_dtype("target_tensor", dtype);
  const Column& c0 = table.column(column);
  STRATA_CHECK(c0.missing_count() == 0,
               "target_tensor: target column '{}' has {} missing values; drop those rows first", column,
               c0.missing_count());
  const int64_t n = c0.size();
  if (is_classification(c0, kind)) {
    const Column c = c0.type() == ColumnType::String ? c0.cast(ColumnType::Category) : c0;
    std::vector<int64_t> labels(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (c.type() == ColumnType::Float) {
        const double v = c.number(i);
        STRATA_CHECK(
            v == std::trunc(v) && v >= 0,
            "target_tensor: target column '{}' row {}: {} is not a class index (a whole number >= 0)", column,
            i, v);
        labels[static_cast<size_t>(i)] = static_cast<int64_t>(v);
      } else {
        labels[static_cast<size_t>(i)] = c.int_at(i);
        STRATA_CHECK(
            labels[static_cast<size_t>(i)] >= 0,
            "target_tensor: target column '{}' row {}: {} is not a class index (a whole number >= 0)", column,
            i, labels[static_cast<size_t>(i)]);
      }
    }
    return from_vector<int64_t>(labels);
  }
  STRATA_CHECK(c0.is_numeric(), "target_tensor: a regression target must be numeric, column '{}' is {}",
               column, to_string(c0.type()));
  return features_tensor(table, {column}, dtype);
}

std::shared_ptr<TensorDataset> to_tensor_dataset(const Table& table, const DatasetOptions& options) {
  std::vector<std::string> features = options.features;
  if (features.empty()) {
    for (const auto& name : table.column_names()) {
      if (name != options.target) features.push_back(name);
    }
  }
  STRATA_CHECK(!features.empty(), "to_tensor_dataset: no feature columns");
  if (!options.target.empty()) {
    STRATA_CHECK(std::find(features.begin(), features.end(), options.target) == features.end(),
                 "to_tensor_dataset: the target '{}' is also listed as a feature", options.target);
  }
  Tensor x = features_tensor(table, features, options.dtype);
  Tensor y = options.target.empty()
                 ? Tensor()
                 : target_tensor(table, options.target, options.target_kind, options.dtype);
  return std::make_shared<TensorDataset>(std::move(x), std::move(y));
}

}  // namespace strata::data::table
