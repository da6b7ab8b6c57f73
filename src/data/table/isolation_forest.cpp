#include "strata/data/table/isolation_forest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "data/table/table_util.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::table {
namespace {

// Contiguous row-major f64 copy of a 2-D tensor.
std::vector<double> rows_of(const Tensor& x, const char* what) {
  STRATA_CHECK(x.defined() && x.dim() == 2, "{}: expected a 2-D tensor [rows, features], got shape {}", what,
               x.defined() ? x.shape().str() : std::string("(undefined)"));
  STRATA_CHECK(x.device() == kCPU, "{}: expected a CPU tensor", what);
  std::vector<double> v = x.to_vector<double>();
  for (double e : v)
    STRATA_CHECK(!std::isnan(e), "{}: the input holds NaN; impute missing values first", what);
  return v;
}

}  // namespace

IsolationForest::IsolationForest(IsolationForestOptions options) : options_(options) {
  STRATA_CHECK(options_.n_estimators >= 1, "IsolationForest: n_estimators must be at least 1, got {}",
               options_.n_estimators);
  STRATA_CHECK(options_.max_samples >= 2, "IsolationForest: max_samples must be at least 2, got {}",
               options_.max_samples);
}

double IsolationForest::average_path_length(int64_t n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  constexpr double kEuler = 0.5772156649015329;
  const auto m = static_cast<double>(n - 1);
  return 2.0 * (std::log(m) + kEuler) - 2.0 * m / static_cast<double>(n);
}

void IsolationForest::fit(const Tensor& x) {
  const std::vector<double> data = rows_of(x, "IsolationForest::fit");
  const int64_t n = x.size(0);
  dims_ = x.size(1);
  STRATA_CHECK(n >= 1 && dims_ >= 1,
               "IsolationForest::fit: need at least one row and one feature, got shape {}", x.shape().str());
  psi_ = std::min(options_.max_samples, n);
  const int height_limit =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(std::max<int64_t>(psi_, 2)))));
  std::mt19937_64 engine(data::detail::mix64(options_.seed));
  trees_.assign(static_cast<size_t>(options_.n_estimators), {});
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), int64_t{0});
  std::vector<int32_t> candidates;
  for (auto& tree : trees_) {
    // psi rows without replacement: a partial Fisher-Yates shuffle.
    for (int64_t i = 0; i < psi_; ++i) {
      std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i + detail::randint(engine, n - i))]);
    }
    std::vector<int64_t> rows(all.begin(), all.begin() + psi_);
    // Iterative growth: (node, begin, end, depth) ranges of `rows`.
    struct Work {
      int32_t node;
      int64_t begin, end;
      int depth;
    };
    tree.push_back({});
    std::vector<Work> stack{{0, 0, psi_, 0}};
    while (!stack.empty()) {
      const Work w = stack.back();
      stack.pop_back();
      const int64_t size = w.end - w.begin;
      auto leaf = [&] {
        tree[static_cast<size_t>(w.node)].feature = -1;
        tree[static_cast<size_t>(w.node)].adjust = average_path_length(size);
      };
      if (w.depth >= height_limit || size <= 1) {
        leaf();
        continue;
      }
      // Split on a random feature that is not constant here (none: the node cannot be split).
      candidates.clear();
      std::vector<std::pair<double, double>> ranges(
          static_cast<size_t>(dims_),
          {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()});
      for (int64_t i = w.begin; i < w.end; ++i) {
        const double* row = &data[static_cast<size_t>(rows[static_cast<size_t>(i)] * dims_)];
        for (int64_t f = 0; f < dims_; ++f) {
          auto& [lo, hi] = ranges[static_cast<size_t>(f)];
          lo = std::min(lo, row[f]);
          hi = std::max(hi, row[f]);
        }
      }
      for (int64_t f = 0; f < dims_; ++f) {
        if (ranges[static_cast<size_t>(f)].second > ranges[static_cast<size_t>(f)].first)
          candidates.push_back(static_cast<int32_t>(f));
      }
      if (candidates.empty()) {
        leaf();
        continue;
      }
      const int32_t f =
          candidates[static_cast<size_t>(detail::randint(engine, static_cast<int64_t>(candidates.size())))];
      const auto [lo, hi] = ranges[static_cast<size_t>(f)];
      double split = lo + detail::uniform(engine) * (hi - lo);
      if (split <= lo) split = std::nextafter(lo, hi);  // keep both sides non-empty
      auto mid = std::partition(rows.begin() + w.begin, rows.begin() + w.end,
                                [&](int64_t r) { return data[static_cast<size_t>(r * dims_ + f)] < split; });
      const int64_t m = mid - rows.begin();
      const auto left = static_cast<int32_t>(tree.size());
      tree.push_back({});
      tree.push_back({});
      Node& node = tree[static_cast<size_t>(w.node)];
      node.feature = f;
      node.split = split;
      node.left = left;
      node.right = left + 1;
      stack.push_back({left + 1, m, w.end, w.depth + 1});
      stack.push_back({left, w.begin, m, w.depth + 1});
    }
  }
}

Tensor IsolationForest::path_length(const Tensor& x) const {
  STRATA_CHECK(fitted(), "IsolationForest::path_length: call fit() first");
  const std::vector<double> data = rows_of(x, "IsolationForest::path_length");
  STRATA_CHECK(x.size(1) == dims_,
               "IsolationForest::path_length: the forest was fitted on {} features, got shape {}", dims_,
               x.shape().str());
  const int64_t m = x.size(0);
  std::vector<double> out(static_cast<size_t>(m), 0.0);
  // Blocks of rows, each walked through one tree at a time: the tree stays in L1 while the block's rows
  // stream past it.
  constexpr int64_t kBlock = 512;
  const int64_t blocks = (m + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(dynamic) if (m * static_cast <int64_t>(trees_.size()) > 20000)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * kBlock, hi = std::min(m, lo + kBlock);
    for (const auto& tree : trees_) {
      const Node* nodes = tree.data();
      for (int64_t i = lo; i < hi; ++i) {
        const double* row = &data[static_cast<size_t>(i * dims_)];
        int32_t k = 0;
        int depth = 0;
        while (nodes[k].feature >= 0) {
          k = row[nodes[k].feature] < nodes[k].split ? nodes[k].left : nodes[k].right;
          ++depth;
        }
        out[static_cast<size_t>(i)] += depth + nodes[k].adjust;
      }
    }
    for (int64_t i = lo; i < hi; ++i) out[static_cast<size_t>(i)] /= static_cast<double>(trees_.size());
  }
  return from_vector<double>(out);
}

Tensor IsolationForest::score(const Tensor& x) const {
  STRATA_CHECK(fitted(), "IsolationForest::score: call fit() first");
  std::vector<double> h = path_length(x).to_vector<double>();
  const double c = average_path_length(psi_);
  for (double& v : h) v = c > 0 ? std::exp2(-v / c) : 1.0;
  return from_vector<double>(h);
}

}  // namespace strata::data::table
