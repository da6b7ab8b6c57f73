#include "strata/data/table/split.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>

#include "data/table/table_util.h"
#include "strata/core/error.h"

namespace strata::data::table {
namespace {

// ceil(f * n) without counting floating-point fuzz (0.7 * 10 = 7.000000000000001) as another row.
int64_t ceil_share(double f, int64_t n) {
  return static_cast<int64_t>(std::ceil(f * static_cast<double>(n) - 1e-9));
}

// Splits `total` over classes in proportion to `sizes` (largest remainders win; ties: the larger class,
// then the lower id), never giving a class more than `cap`.
std::vector<int64_t> apportion(int64_t total, const std::vector<int64_t>& sizes,
                               const std::vector<int64_t>& cap) {
  int64_t n = 0;
  for (int64_t s : sizes) n += s;
  std::vector<int64_t> out(sizes.size(), 0);
  if (n == 0 || total == 0) return out;
  std::vector<double> frac(sizes.size());
  int64_t given = 0;
  for (size_t c = 0; c < sizes.size(); ++c) {
    const double share = static_cast<double>(total) * static_cast<double>(sizes[c]) / static_cast<double>(n);
    out[c] = std::min(cap[c], static_cast<int64_t>(std::floor(share + 1e-9)));
    frac[c] = share - static_cast<double>(out[c]);
    given += out[c];
  }
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (frac[a] != frac[b]) return frac[a] > frac[b];
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return a < b;
  });
  // Usually one pass; more only when caps bind.
  while (given < total) {
    bool progressed = false;
    for (size_t c : order) {
      if (given == total) break;
      if (out[c] < cap[c]) {
        ++out[c];
        ++given;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return out;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

void check_labels(const char* what, int64_t n, const std::vector<int64_t>& labels) {
  STRATA_CHECK(labels.empty() || static_cast<int64_t>(labels.size()) == n, "{}: {} labels for {} rows", what,
               labels.size(), n);
  for (size_t i = 0; i < labels.size(); ++i) {
    STRATA_CHECK(labels[i] >= 0, "{}: label {} at row {} is negative (use class ids 0, 1, ...)", what,
                 labels[i], i);
  }
}

// Rows of each class, in row order.
std::vector<std::vector<int64_t>> members_by_class(const std::vector<int64_t>& labels) {
  std::vector<std::vector<int64_t>> members;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto c = static_cast<size_t>(labels[i]);
    if (c >= members.size()) members.resize(c + 1);
    members[c].push_back(static_cast<int64_t>(i));
  }
  return members;
}

}  // namespace

std::vector<int64_t> class_ids(const Column& column) {
  std::unordered_map<std::string, int64_t> ids;
  int64_t missing_id = -1, next = 0;
  std::vector<int64_t> out(static_cast<size_t>(column.size()));
  for (int64_t i = 0; i < column.size(); ++i) {
    if (column.is_missing(i)) {
      if (missing_id < 0) missing_id = next++;
      out[static_cast<size_t>(i)] = missing_id;
    } else {
      auto [it, inserted] = ids.try_emplace(column.text(i), next);
      if (inserted) ++next;
      out[static_cast<size_t>(i)] = it->second;
    }
  }
  return out;
}

SplitIndices train_val_test_split(int64_t n, const std::vector<int64_t>& labels, double test, double val,
                                  uint64_t seed, bool shuffle) {
  const char* what = "train_val_test_split";
  STRATA_CHECK(test >= 0 && val >= 0 && test + val < 1.0,
               "{}: test ({}) and val ({}) must be fractions in [0, 1) that add up to less than 1", what,
               test, val);
  check_labels(what, n, labels);
  const int64_t n_test = ceil_share(test, n), n_val = ceil_share(val, n);
  STRATA_CHECK(n - n_test - n_val >= 1,
               "{}: {} rows leave no training rows after {} test and {} validation rows", what, n, n_test,
               n_val);
  SplitIndices out;
  std::mt19937_64 engine(seed);
  if (labels.empty()) {
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::iota(perm.begin(), perm.end(), int64_t{0});
    if (shuffle) detail::shuffle(perm, engine);
    const auto t = static_cast<std::ptrdiff_t>(n_test), v = static_cast<std::ptrdiff_t>(n_val);
    out.test = sorted({perm.begin(), perm.begin() + t});
    out.val = sorted({perm.begin() + t, perm.begin() + t + v});
    out.train = sorted({perm.begin() + t + v, perm.end()});
    return out;
  }
  STRATA_CHECK(shuffle, "{}: a stratified split needs shuffle = true", what);
  auto members = members_by_class(labels);
  std::vector<int64_t> sizes;
  for (const auto& m : members) sizes.push_back(static_cast<int64_t>(m.size()));
  const std::vector<int64_t> test_counts = apportion(n_test, sizes, sizes);
  std::vector<int64_t> left(sizes.size());
  for (size_t c = 0; c < sizes.size(); ++c) left[c] = sizes[c] - test_counts[c];
  const std::vector<int64_t> val_counts = apportion(n_val, sizes, left);
  for (size_t c = 0; c < members.size(); ++c) {
    auto& m = members[c];
    detail::shuffle(m, engine);
    const auto t = static_cast<size_t>(test_counts[c]), v = static_cast<size_t>(val_counts[c]);
    out.test.insert(out.test.end(), m.begin(), m.begin() + static_cast<std::ptrdiff_t>(t));
    out.val.insert(out.val.end(), m.begin() + static_cast<std::ptrdiff_t>(t),
                   m.begin() + static_cast<std::ptrdiff_t>(t + v));
    out.train.insert(out.train.end(), m.begin() + static_cast<std::ptrdiff_t>(t + v), m.end());
  }
  out.test = sorted(std::move(out.test));
  out.val = sorted(std::move(out.val));
  out.train = sorted(std::move(out.train));
  return out;
}

SplitIndices train_val_test_split(const Table& table, const SplitOptions& options) {
  std::vector<int64_t> labels;
  if (!options.stratify.empty()) labels = class_ids(table.column(options.stratify));
  return train_val_test_split(table.num_rows(), labels, options.test, options.val, options.seed,
                              options.shuffle);
}

TableSplit split_table(const Table& table, const SplitOptions& options) {
  const SplitIndices s = train_val_test_split(table, options);
  return {table.take(s.train), table.take(s.val), table.take(s.test)};
}

std::vector<Fold> kfold(int64_t n, int k, uint64_t seed, bool shuffle) {
  STRATA_CHECK(k >= 2 && k <= n, "kfold: k = {} must be in [2, {}] (the number of rows)", k, n);
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  std::mt19937_64 engine(seed);
  if (shuffle) detail::shuffle(perm, engine);
  std::vector<int64_t> fold_of(static_cast<size_t>(n));
  int64_t start = 0;
  for (int f = 0; f < k; ++f) {
    const int64_t size = n / k + (f < n % k ? 1 : 0);
    for (int64_t i = start; i < start + size; ++i)
      fold_of[static_cast<size_t>(perm[static_cast<size_t>(i)])] = f;
    start += size;
  }
  std::vector<Fold> folds(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    for (int f = 0; f < k; ++f) {
      (fold_of[static_cast<size_t>(i)] == f ? folds[static_cast<size_t>(f)].test
                                            : folds[static_cast<size_t>(f)].train)
          .push_back(i);
    }
  }
  return folds;
}

std::vector<Fold> stratified_kfold(const std::vector<int64_t>& labels, int k, uint64_t seed, bool shuffle) {
  const auto n = static_cast<int64_t>(labels.size());
  STRATA_CHECK(k >= 2 && k <= n, "stratified_kfold: k = {} must be in [2, {}] (the number of rows)", k, n);
  check_labels("stratified_kfold", n, labels);
  auto members = members_by_class(labels);
  std::mt19937_64 engine(seed);
  std::vector<int64_t> fold_of(static_cast<size_t>(n));
  int64_t offset = 0;
  for (auto& m : members) {
    if (shuffle) detail::shuffle(m, engine);
    for (size_t j = 0; j < m.size(); ++j)
      fold_of[static_cast<size_t>(m[j])] = (offset + static_cast<int64_t>(j)) % k;
    offset = (offset + static_cast<int64_t>(m.size())) % k;
  }
  std::vector<Fold> folds(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    for (int f = 0; f < k; ++f) {
      (fold_of[static_cast<size_t>(i)] == f ? folds[static_cast<size_t>(f)].test
                                            : folds[static_cast<size_t>(f)].train)
          .push_back(i);
    }
  }
  return folds;
}

std::vector<Fold> stratified_kfold(const Table& table, const std::string& column, int k, uint64_t seed,
                                   bool shuffle) {
  return stratified_kfold(class_ids(table.column(column)), k, seed, shuffle);
}

}  // namespace strata::data::table
