#pragma once
// Table -> tensors: a feature matrix (f32) and a target (i64 class indices or f32 values), as a
// TensorDataset for the DataLoader.
#include <memory>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/dataset.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

enum class TargetKind {
  Auto,            // category, string and bool -> classes; int -> classes; float -> regression
  Classification,  // i64 [n] class indices
  Regression,      // f32 [n, 1] values
};

struct DatasetOptions {
  std::string target{};                 // empty: no target (unlabelled data for predict)
  std::vector<std::string> features{};  // empty: every column but the target
  TargetKind target_kind = TargetKind::Auto;
  Dtype dtype = kFloat32;  // of the features (and of a regression target)
};

// The columns as a [rows, columns] tensor (int, float and bool columns without missing values; encode
// and impute first). Errors name the offending column.
Tensor features_tensor(const Table& table, const std::vector<std::string>& columns = {},
                       Dtype dtype = kFloat32);
// A target column as i64 [rows] class indices (category: its level codes; bool: 0/1; int: the values,
// which must be >= 0; string: the sorted distinct values) or [rows, 1] regression values.
Tensor target_tensor(const Table& table, const std::string& column, TargetKind kind = TargetKind::Auto,
                     Dtype dtype = kFloat32);
// Class names in index order for a classification target (category levels, "false"/"true", the int values
// as text up to the largest, or the sorted distinct strings).
std::vector<std::string> class_names(const Column& target);
// Features and target as a TensorDataset.
std::shared_ptr<TensorDataset> to_tensor_dataset(const Table& table, const DatasetOptions& options);

}  // namespace strata::data::table
