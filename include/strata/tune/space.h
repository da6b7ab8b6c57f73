#pragma once
// Search spaces for hyperparameter tuning: uniform, log-uniform, integer (optionally log-scaled) and
// categorical parameters, with conditional parameters (momentum only when optimizer is sgd). Written in C++
// or in YAML:
//
//   metric: val_accuracy          # what the tuner optimises (any Trainer log name)
//   mode: max                     # max | min | auto
//   parameters:
//     lr:           {distribution: loguniform, low: 1.0e-4, high: 1.0e-1}
//     optimizer:    {distribution: choice, values: [adam, sgd]}
//     momentum:     {distribution: uniform, low: 0.5, high: 0.99, when: {optimizer: sgd}}
//     hidden:       {distribution: int, low: 32, high: 512, log: true}
//
// Every parameter also has a position in the unit cube [0, 1] (log-scaled where the space says so, ints and
// choices cut into equal bins), which is what the searchers sample and model.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace strata::tune {

// One parameter value: an integer, a real number or a text choice ("sgd", also "true"/"false").
using Value = std::variant<int64_t, double, std::string>;
// Parameter name -> value, for the parameters that are active in this configuration.
using Assignment = std::map<std::string, Value>;

// The value as text: integers as is, reals in their shortest round-trip form, text as is.
std::string to_string(const Value& value);
// The value as a number (int64 or double); throws for text.
double to_double(const Value& value);
// Equal as numbers (int 2 == double 2.0) or as text.
bool values_equal(const Value& a, const Value& b);
// "{lr: 0.001, optimizer: adam}" (in the map's order).
std::string to_string(const Assignment& assignment);

enum class Distribution { Uniform, LogUniform, Int, Choice };

// "uniform", "loguniform", "int", "choice".
std::string to_string(Distribution distribution);

// A parameter is active only when `parent` (an earlier choice parameter) takes one of `values`.
struct Condition {
  std::string parent;
  std::vector<Value> values;
};

// `when("optimizer", {"sgd"})`: the condition for SearchSpace's builders.
Condition when(std::string parent, std::vector<Value> values);

struct Param {
  std::string name;
  Distribution distribution = Distribution::Uniform;
  double low = 0.0, high = 1.0;  // Uniform, LogUniform, Int (inclusive)
  bool log = false;              // LogUniform: always; Int: sample log-uniformly
  std::vector<Value> choices{};  // Choice
  std::optional<Condition> condition{};
  int grid_points = 0;  // grid resolution of this parameter (0: the grid searcher's default)

  // Number of categories (Choice) or integers (Int); 0 for continuous parameters.
  int64_t cardinality() const;
  // The parameter's value at unit coordinate u in [0, 1].
  Value from_unit(double u) const;
  // The unit coordinate of `value` (the centre of its bin for Int and Choice); throws when out of range.
  double to_unit(const Value& value) const;
  // Index of `value` among the choices, or -1.
  int64_t choice_index(const Value& value) const;
  // Throws "<name>: ..." when `value` does not belong to the parameter (wrong type, out of range, not a
  // choice).
  void check(const Value& value) const;
};

class SearchSpace {
 public:
  SearchSpace() = default;

  // Builders (chainable); each validates the parameter and throws strata::Error naming it.
  SearchSpace& uniform(const std::string& name, double low, double high,
                       std::optional<Condition> condition = {});
  SearchSpace& loguniform(const std::string& name, double low, double high,
                          std::optional<Condition> condition = {});
  SearchSpace& integer(const std::string& name, int64_t low, int64_t high, bool log = false,
                       std::optional<Condition> condition = {});
  SearchSpace& choice(const std::string& name, std::vector<Value> choices,
                      std::optional<Condition> condition = {});
  // Adds a fully described parameter (after validation).
  SearchSpace& add(Param param);

  // Parses the `parameters:` map of a YAML document (or a document that is only that map); `source` names
  // the text in errors ("space.yaml:7: parameters.lr.low: ...").
  static SearchSpace from_yaml(const std::string& text, const std::string& source = "space");
  static SearchSpace load(const std::string& path);

  const std::vector<Param>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }
  bool has(const std::string& name) const;
  // The parameter called `name`; throws naming the known ones when absent.
  const Param& param(const std::string& name) const;

  // True when `param`'s condition holds for the (earlier) values in `assignment`.
  bool is_active(const Param& param, const Assignment& assignment) const;
  // A configuration drawn uniformly in the unit cube (log-uniform for log parameters).
  Assignment sample(std::mt19937_64& rng) const;
  // The configuration at unit coordinates `u` (one per parameter, in order); inactive parameters are left
  // out.
  Assignment from_unit(const std::vector<double>& u) const;
  // Unit coordinates of a configuration (0.5 for inactive parameters).
  std::vector<double> to_unit(const Assignment& assignment) const;
  // Features for a model of the objective: unit coordinates for numeric parameters (0.5 when inactive),
  // one-hot blocks for choices (all zero when inactive).
  std::vector<double> encode(const Assignment& assignment) const;
  // Length of encode()'s vector.
  int encoded_size() const;
  // Throws naming the parameter when `assignment` misses an active parameter, has an unknown or inactive
  // one, or holds a value outside its range.
  void validate(const Assignment& assignment) const;
  // The assignment with every value as this space types it (e.g. 64.0 -> 64 for ints, "64" -> 64 for
  // numeric choices), for values read back from text.
  Assignment parse(const std::map<std::string, std::string>& text) const;

 private:
  std::vector<Param> params_;
};

// What the tuner optimises: a metric name as the objective function reports it, and its direction.
struct Objective {
  std::string metric = "val_accuracy";
  bool maximize = true;
};

// The objective for a training metric: `metric` is "loss", "accuracy" or a metrics-registry name (see
// strata/metrics/registry.h), optionally with "val_"; `mode` is "max", "min" or "auto" (the metric's own
// direction). Throws "<field>: unknown metric ..." listing the known names; `field` names where it was
// written.
Objective training_objective(const std::string& metric, const std::string& mode = "auto",
                             const std::string& field = "metric");

// A search-space file: the space plus the objective (`metric`, `mode`) it declares.
struct SpaceFile {
  SearchSpace space;
  Objective objective;
};

// Reads a YAML space file; the metric is checked with training_objective(). Errors name the file, line and
// field.
SpaceFile load_space_file(const std::string& path);
// The same from YAML text.
SpaceFile parse_space_file(const std::string& text, const std::string& source = "space");

}  // namespace strata::tune
