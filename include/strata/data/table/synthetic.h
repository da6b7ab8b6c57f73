#pragma once
// Synthetic rows to enlarge a training split: SMOTE oversampling of minority classes (Chawla et al., 2002)
// and Gaussian-noise jitter of numeric features. Both append rows and are seeded.
#include <map>
#include <string>
#include <vector>

#include "strata/data/table/report.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

struct SmoteOptions {
  std::string target{};  // the class column (required)
  int k = 5;             // neighbours within the class (capped at the class size - 1)
  uint64_t seed = 0;
  // Final row count per class (by its text); classes not named are left alone. Empty: every class is
  // brought up to the size of the largest one.
  std::map<std::string, int64_t> counts{};
  // Numeric columns that are interpolated and measure distance (empty: every int, float and bool column but
  // the target). They must have no missing values.
  std::vector<std::string> features{};
};

// Appends synthetic rows for minority classes: each takes a random row x of the class and one of its k
// nearest same-class neighbours y (Euclidean over the features) and lies at x + u (y - x), u ~ U[0, 1).
// Int features are rounded, bool features and the other columns take the nearer endpoint's value.
StepReport smote(Table& table, const SmoteOptions& options);

struct JitterOptions {
  std::vector<std::string> columns{};  // float columns to perturb (empty: all float columns)
  double sigma = 0.05;                 // noise std as a fraction of each column's std
  int copies = 1;                      // noisy copies of every row appended
  uint64_t seed = 0;
};

// Appends `copies` copies of every row with N(0, (sigma * std)^2) noise added to the chosen float columns
// (missing values stay missing; other columns are copied as they are).
StepReport jitter(Table& table, const JitterOptions& options = {});

}  // namespace strata::data::table
