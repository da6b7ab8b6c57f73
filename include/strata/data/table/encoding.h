#pragma once
// Encoders and scalers fitted on a training split and applied to any other: one-hot and ordinal encoding,
// standard, min-max and robust scaling. A Preprocessor chains them and saves to JSON text or to
// safetensors (parameters as f64 tensors, structure as metadata), so it can live beside a model.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/table/report.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

enum class EncoderKind {
  OneHot,    // a bool column <name>_<category> per training category; unknown and missing -> all false
  Ordinal,   // int codes in category order; unknown -> unknown_value, missing stays missing
  Standard,  // (x - mean) / std (population std, as sklearn; a zero std counts as 1)
  MinMax,    // (x - min) / (max - min) mapped onto feature_range (a zero range counts as 1)
  Robust,    // (x - median) / (Q3 - Q1) (a zero IQR counts as 1)
};

// "onehot"/"one_hot", "ordinal", "standard"/"zscore", "minmax"/"min_max", "robust".
EncoderKind parse_encoder_kind(std::string_view name);
std::string_view to_string(EncoderKind kind);

struct EncoderOptions {
  // Columns to transform (empty: category and string columns for encoders, int and float for scalers).
  std::vector<std::string> columns{};
  std::vector<std::string> exclude{};  // never transformed (e.g. the target)
  double unknown_value = -1;           // ordinal code for a category not seen in fit (NaN: missing)
  std::pair<double, double> feature_range = {0.0, 1.0};  // min-max output range
};

class Encoder {
 public:
  // Fitted parameters of one column. Categories: encoders, in code order (the column's level order for
  // category columns, numeric order for numbers, text order otherwise). Scalers map x to
  // (x - center) / scale + offset.
  struct ColumnParams {
    std::string column;
    std::vector<std::string> categories{};
    double center = 0.0, scale = 1.0, offset = 0.0;
  };

  explicit Encoder(EncoderKind kind, EncoderOptions options = {});
  EncoderKind kind() const { return kind_; }
  const EncoderOptions& options() const { return options_; }
  bool is_scaler() const;
  bool fitted() const { return fitted_; }
  const std::vector<ColumnParams>& params() const { return params_; }

  // Learns the parameters from the training split (missing values ignored).
  void fit(const Table& train);
  // Applies the fitted transform to a copy; `report` (optional) receives what changed, including
  // categories not seen in fit. Throws when not fitted or a fitted column is absent or of another type.
  Table transform(const Table& table, StepReport* report = nullptr) const;
  Table fit_transform(const Table& train, StepReport* report = nullptr);
  // Undoes a scaler (float columns back on the original scale); encoders throw.
  Table inverse_transform(const Table& table) const;

  // JSON text holding the kind, options and fitted parameters (doubles round-trip exactly).
  std::string to_json() const;
  static Encoder from_json(std::string_view json);

 private:
  friend class Preprocessor;
  EncoderKind kind_;
  EncoderOptions options_;
  bool fitted_ = false;
  std::vector<ColumnParams> params_;
};

// Encoders and scalers applied in order, each fitted on the previous one's output.
class Preprocessor {
 public:
  Preprocessor() = default;
  // Appends a step (before fit).
  Preprocessor& add(EncoderKind kind, EncoderOptions options = {});
  Preprocessor& add(Encoder encoder);
  const std::vector<Encoder>& steps() const { return steps_; }
  bool fitted() const;

  void fit(const Table& train);
  // Applies every step; `reports` (optional) gets one StepReport per step.
  Table transform(const Table& table, std::vector<StepReport>* reports = nullptr) const;
  Table fit_transform(const Table& train, std::vector<StepReport>* reports = nullptr);

  // JSON text of every step (see Encoder::to_json).
  std::string to_json() const;
  static Preprocessor from_json(std::string_view json);
  // Adds the scalers' parameters as f64 tensors "<prefix>.<step>.center|scale|offset" and the structure
  // (kinds, options, columns, categories) as metadata "<prefix>", e.g. into a model's checkpoint maps.
  void export_to(std::map<std::string, Tensor>& tensors, std::map<std::string, std::string>& metadata,
                 const std::string& prefix = "preprocessor") const;
  // Rebuilds a Preprocessor that export_to wrote.
  static Preprocessor import_from(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata,
                                  const std::string& prefix = "preprocessor");
  // export_to into a safetensors file of its own, and back.
  void save(const std::string& path) const;
  static Preprocessor load(const std::string& path);

 private:
  std::vector<Encoder> steps_;
};

}  // namespace strata::data::table
