// DistributedSampler: every rank computes the same permutation of (seed, epoch), pads or trims it to a
// multiple of the number of replicas, and keeps every num_replicas-th index starting at its rank. Needs no
// communication: the shards are disjoint because the permutation is the same everywhere.
#include "strata/dist/distributed_sampler.h"

#include <numeric>

#include "data/shuffle.h"
#include "strata/core/error.h"
#include "strata/dist/process_group.h"

namespace strata::dist {

DistributedSampler::DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), options_(options) {
  if (options_.num_replicas < 0) options_.num_replicas = dist::world_size();
  if (options_.rank < 0) options_.rank = dist::rank();
  STRATA_CHECK(dataset_size >= 0, "DistributedSampler: dataset size must be >= 0, got {}", dataset_size);
  STRATA_CHECK(options_.num_replicas >= 1, "DistributedSampler: num_replicas must be >= 1, got {}",
               options_.num_replicas);
  STRATA_CHECK(options_.rank >= 0 && options_.rank < options_.num_replicas, "DistributedSampler: rank {} is outside [0, {})",
               options_.rank, options_.num_replicas);
  const int64_t n = options_.num_replicas;
  per_rank_ = options_.drop_last ? dataset_size / n : (dataset_size + n - 1) / n;
  STRATA_CHECK(per_rank_ > 0 || dataset_size == 0,
               "DistributedSampler: {} samples leave nothing for {} replicas with drop_last", dataset_size,
               n);
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
  std::vector<int64_t> order;
  if (options_.shuffle) {
    Generator generator(
        data::detail::mix64(data::detail::mix64(options_.seed) ^ static_cast<uint64_t>(epoch)));
    order = data::detail::permutation(dataset_size_, generator);
  } else {
    order.resize(static_cast<size_t>(dataset_size_));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  const auto total = static_cast<size_t>(per_rank_ * options_.num_replicas);
  // Pad by repeating the order from its start (several times when the dataset is smaller than the replicas).
  for (size_t i = 0; order.size() < total; ++i) order.push_back(order[i]);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(per_rank_));
  for (size_t i = static_cast<size_t>(options_.rank); i < total;
       i += static_cast<size_t>(options_.num_replicas))
    out.push_back(order[i]);
  return out;
}

}  // namespace strata::dist
