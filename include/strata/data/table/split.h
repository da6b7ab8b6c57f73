#pragma once
// Seeded splits: train/validation/test (optionally stratified on a column), k-fold and stratified k-fold.
// Orders depend on the seed alone (hand-written shuffles, not the standard library's distributions).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/data/table/table.h"

namespace strata::data::table {

struct SplitOptions {
  double test = 0.2;       // fraction of rows for the test split
  double val = 0.0;        // fraction of rows for the validation split
  std::string stratify{};  // keep this column's class proportions in every split (missing is a class)
  uint64_t seed = 0;
  bool shuffle = true;  // false: no shuffling (and no stratification): train, val, test in row order
};

// Row indices of each split, each sorted ascending.
struct SplitIndices {
  std::vector<int64_t> train, val, test;
};

struct TableSplit {
  Table train, val, test;
};

struct Fold {
  std::vector<int64_t> train, test;  // sorted ascending
};

// Class ids 0..k-1 per row of a column in order of first appearance (missing is its own class).
std::vector<int64_t> class_ids(const Column& column);

// Splits n rows: test gets ceil(test * n) rows and val ceil(val * n) (as sklearn), train the rest; with
// `labels` (one class id per row, or empty) each class is split in proportion, remainders going to the
// classes with the largest fractional share.
SplitIndices train_val_test_split(int64_t n, const std::vector<int64_t>& labels, double test, double val,
                                  uint64_t seed, bool shuffle = true);
// The same over a table's rows, stratified on options.stratify when set.
SplitIndices train_val_test_split(const Table& table, const SplitOptions& options = {});
// The rows of each split as tables.
TableSplit split_table(const Table& table, const SplitOptions& options = {});

// k folds of n rows: the rows are shuffled (when asked) and cut into k contiguous test folds, the first
// n % k folds one row larger (as sklearn's KFold).
std::vector<Fold> kfold(int64_t n, int k, uint64_t seed, bool shuffle = true);
// k folds that keep class proportions: each class's rows (shuffled when asked) are dealt round-robin over
// the folds, continuing from where the previous class stopped so fold sizes differ by at most one.
std::vector<Fold> stratified_kfold(const std::vector<int64_t>& labels, int k, uint64_t seed,
                                   bool shuffle = true);
// Stratified k-fold on a table column.
std::vector<Fold> stratified_kfold(const Table& table, const std::string& column, int k, uint64_t seed,
                                   bool shuffle = true);

}  // namespace strata::data::table
