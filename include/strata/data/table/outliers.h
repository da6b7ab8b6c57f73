#pragma once
// Outliers in numeric columns: z-score, robust z (median/MAD), IQR fences and Isolation Forest; each can
// flag them (a bool column), drop their rows, or clip (winsorise) them to the fences.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/data/table/report.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

enum class OutlierMethod {
  ZScore,           // |x - mean| / std > t (population std), default t = 3
  RobustZ,          // 0.6745 |x - median| / MAD > t (Iglewicz and Hoaglin), default t = 3.5
  IQR,              // x < Q1 - k IQR or x > Q3 + k IQR, default k = 1.5
  IsolationForest,  // rows (over all chosen columns together) with score above t, default t = 0.6
};
enum class OutlierAction { Flag, Drop, Clip };

// "zscore"/"z", "robust"/"robust_z"/"mad", "iqr", "iforest"/"isolation_forest".
OutlierMethod parse_outlier_method(std::string_view name);
// "flag", "drop", "clip"/"winsorize"/"winsorise".
OutlierAction parse_outlier_action(std::string_view name);
// "METHOD[:ACTION]" as the CLI takes it (e.g. "iqr:clip"); the action defaults to flag.
std::pair<OutlierMethod, OutlierAction> parse_outlier_spec(std::string_view spec);
std::string_view to_string(OutlierMethod method);
std::string_view to_string(OutlierAction action);

struct OutlierOptions {
  OutlierMethod method = OutlierMethod::IQR;
  OutlierAction action = OutlierAction::Flag;
  std::vector<std::string> columns{};  // int/float columns to check (empty: all of them)
  std::optional<double> threshold{};   // the method's t or k (defaults above)
  // Isolation Forest: when > 0, flag this fraction of rows with the highest scores instead of a threshold.
  double contamination = 0.0;
  int n_estimators = 100;
  int64_t max_samples = 256;
  uint64_t seed = 0;
  std::string flag_column = "outlier";  // the bool column Flag adds (true: an outlier in some column)
};

// The fences of one column: values outside [lower, upper] are outliers (missing values are ignored).
struct Fences {
  double lower = 0.0, upper = 0.0;
};
// Fences for the per-column methods (not Isolation Forest); `threshold` as in OutlierOptions.
Fences outlier_fences(const Column& column, OutlierMethod method, std::optional<double> threshold = {});
// Isolation Forest anomaly scores of every row over `columns` (int/float; missing cells take the column
// median), seeded.
std::vector<double> isolation_forest_scores(const Table& table, const std::vector<std::string>& columns,
                                            const OutlierOptions& options = {});
// One flag per row: an outlier in any of the chosen columns (or by the forest).
std::vector<uint8_t> detect_outliers(const Table& table, const OutlierOptions& options = {});
// Flags, drops or clips outliers in place; the report gives per column the count and the fences.
// Clipping keeps int columns integral (fences rounded inwards) and is refused for Isolation Forest.
StepReport handle_outliers(Table& table, const OutlierOptions& options = {});

}  // namespace strata::data::table
