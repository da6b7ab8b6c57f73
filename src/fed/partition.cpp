#include "strata/fed/partition.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "strata/core/error.h"

namespace strata::fed {
namespace {

std::vector<int64_t> labels_of(const Tensor& labels, const char* op) {
  STRATA_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1,
               "{}: labels must be an i64 vector [N], got {}", op,
               labels.defined() ? labels.shape().str() : std::string("an undefined tensor"));
  return labels.contiguous().to_vector<int64_t>();
}

void check_clients(int64_t num_clients, int64_t num_examples, const char* op) {
  STRATA_CHECK(num_clients >= 1, "{}: num_clients must be at least 1, got {}", op, num_clients);
  STRATA_CHECK(num_examples >= num_clients, "{}: {} examples cannot give each of {} clients one", op,
               num_examples, num_clients);
}

// Fisher-Yates with our own draws, so a split does not depend on the standard library's std::shuffle.
void shuffle(std::vector<int64_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace

Partition partition_iid(int64_t num_examples, int64_t num_clients, uint64_t seed) {
  check_clients(num_clients, num_examples, "partition_iid");
  std::vector<int64_t> order(static_cast<size_t>(num_examples));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  shuffle(order, rng);
  Partition out(static_cast<size_t>(num_clients));
  const int64_t base = num_examples / num_clients, extra = num_examples % num_clients;
  int64_t at = 0;
  for (int64_t k = 0; k < num_clients; ++k) {
    const int64_t n = base + (k < extra ? 1 : 0);
    out[k].assign(order.begin() + at, order.begin() + at + n);
    at += n;
  }
  return out;
}

Partition partition_dirichlet(const Tensor& labels, int64_t num_clients, double alpha, uint64_t seed,
                              int64_t min_size) {
  const std::vector<int64_t> y = labels_of(labels, "partition_dirichlet");
  check_clients(num_clients, static_cast<int64_t>(y.size()), "partition_dirichlet");
  STRATA_CHECK(alpha > 0, "partition_dirichlet: alpha must be positive, got {}", alpha);
  STRATA_CHECK(min_size >= 0 && min_size * num_clients <= static_cast<int64_t>(y.size()),
               "partition_dirichlet: min_size {} x {} clients exceeds the {} examples", min_size, num_clients,
               y.size());
  const int64_t num_classes = *std::max_element(y.begin(), y.end()) + 1;
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < y.size(); ++i) {
    STRATA_CHECK(y[i] >= 0, "partition_dirichlet: label {} at {} is negative", y[i], i);
    by_class[y[i]].push_back(static_cast<int64_t>(i));
  }
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> gamma(alpha, 1.0);
  constexpr int kTries = 100;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    Partition out(static_cast<size_t>(num_clients));
    for (auto idx : by_class) {
      if (idx.empty()) continue;
      shuffle(idx, rng);
      std::vector<double> p(static_cast<size_t>(num_clients));
      double total = 0;
      for (auto& v : p) total += (v = gamma(rng));
      // Cut points at the cumulative shares (as the reference implementations' np.split of cumsum).
      double cum = 0;
      size_t start = 0;
      for (int64_t k = 0; k < num_clients; ++k) {
        cum += p[k] / (total > 0 ? total : 1.0);
        const size_t end =
            k + 1 == num_clients ? idx.size() : std::min(idx.size(), static_cast<size_t>(cum * idx.size()));
        out[k].insert(out[k].end(), idx.begin() + start, idx.begin() + std::max(start, end));
        start = std::max(start, end);
      }
    }
    const bool ok = std::all_of(out.begin(), out.end(), [&](const auto& part) {
      return static_cast<int64_t>(part.size()) >= min_size;
    });
    if (ok) {
      for (auto& part : out) std::sort(part.begin(), part.end());
      return out;
    }
  }
  throw Error(fmt::format(
      "partition_dirichlet: no draw in {} gave every one of {} clients at least {} examples (alpha {}); "
      "use fewer clients, a larger alpha or a smaller min_size",
      kTries, num_clients, min_size, alpha));
}

Partition partition_shards(const Tensor& labels, int64_t num_clients, int64_t shards_per_client,
                           uint64_t seed) {
  const std::vector<int64_t> y = labels_of(labels, "partition_shards");
  check_clients(num_clients, static_cast<int64_t>(y.size()), "partition_shards");
  STRATA_CHECK(shards_per_client >= 1, "partition_shards: shards_per_client must be at least 1, got {}",
               shards_per_client);
  const int64_t num_shards = num_clients * shards_per_client;
  const int64_t shard_size = static_cast<int64_t>(y.size()) / num_shards;
  STRATA_CHECK(shard_size >= 1, "partition_shards: {} examples cannot fill {} shards", y.size(), num_shards);
  std::vector<int64_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return y[a] < y[b]; });
  std::vector<int64_t> shards(static_cast<size_t>(num_shards));
  std::iota(shards.begin(), shards.end(), 0);
  std::mt19937_64 rng(seed);
  shuffle(shards, rng);
  Partition out(static_cast<size_t>(num_clients));
  for (int64_t k = 0; k < num_clients; ++k) {
    for (int64_t s = 0; s < shards_per_client; ++s) {
      const int64_t shard = shards[k * shards_per_client + s];
      out[k].insert(out[k].end(), order.begin() + shard * shard_size,
                    order.begin() + (shard + 1) * shard_size);
    }
    std::sort(out[k].begin(), out[k].end());
  }
  return out;
}

std::vector<std::vector<int64_t>> label_counts(const Partition& partition, const Tensor& labels,
                                               int64_t num_classes) {
  const std::vector<int64_t> y = labels_of(labels, "label_counts");
  std::vector<std::vector<int64_t>> counts(partition.size(), std::vector<int64_t>(num_classes, 0));
  for (size_t k = 0; k < partition.size(); ++k) {
    for (int64_t i : partition[k]) {
      STRATA_CHECK(i >= 0 && i < static_cast<int64_t>(y.size()) && y[i] >= 0 && y[i] < num_classes,
                   "label_counts: index {} or its label is out of range", i);
      ++counts[k][y[i]];
    }
  }
  return counts;
}

}  // namespace strata::fed
