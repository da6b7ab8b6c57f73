#pragma once
// Missing values: drop rows or columns that have too many, or fill them (mean, median, mode, constant,
// forward/backward fill, linear interpolation, k-nearest-neighbour imputation).
#include <string>
#include <string_view>
#include <vector>

#include "strata/data/table/report.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

enum class Axis { Rows, Columns };

struct DropMissingOptions {
  Axis axis = Axis::Rows;
  // A row (column) goes when its fraction of missing cells is above this (0: when any cell is missing).
  double threshold = 0.0;
  // Rows: the columns whose cells count (empty: all). Columns: the candidates to drop (empty: all).
  std::vector<std::string> subset{};
};

// Drops the rows or columns with a missing fraction above the threshold, in place.
StepReport drop_missing(Table& table, const DropMissingOptions& options = {});

enum class FillStrategy {
  Mean,         // numeric columns
  Median,       // numeric columns
  Mode,         // any column; ties go to the smallest value (as pandas' mode()[0])
  Constant,     // `value` for numeric columns, `text` for category and string columns
  Forward,      // the last present value above (leading gaps stay missing)
  Backward,     // the next present value below (trailing gaps stay missing)
  Interpolate,  // numeric: linear in the row position between present neighbours, trailing gaps take the
                // last value, leading gaps stay missing (as pandas' interpolate())
  Knn,          // numeric: mean of the k nearest rows that have the value, by Euclidean distance over the
                // present numeric features standardised by mean and std (sklearn's KNNImputer with
                // nan_euclidean distances, on standardised columns); rows with no common feature get the mean
};

// "mean", "median", "mode", "constant", "ffill"/"forward", "bfill"/"backward", "interpolate", "knn".
FillStrategy parse_fill_strategy(std::string_view name);
std::string_view to_string(FillStrategy strategy);

struct FillOptions {
  FillStrategy strategy = FillStrategy::Median;
  // Columns to fill (empty: every column with missing values that the strategy applies to).
  std::vector<std::string> columns{};
  double value = 0.0;  // Constant, numeric and bool columns
  std::string text{};  // Constant, category and string columns (a new category level is added)
  int knn_neighbors = 5;
  // Also add a bool column <name>_missing per filled column that had gaps (as sklearn's add_indicator).
  bool add_indicator = false;
};

// Adds a bool column <name>_missing (true where the value is missing) after each of `columns` (empty: every
// column with missing values), so a model can learn from missingness itself.
StepReport add_missing_indicators(Table& table, const std::vector<std::string>& columns = {});

// Fills missing values in place. An int column whose fill values are not integral (mean, median,
// interpolation, k-NN) becomes a float column; the report says so.
StepReport fill_missing(Table& table, const FillOptions& options = {});

}  // namespace strata::data::table
