#pragma once
// Splitting a labelled training set among federated clients: IID, Dirichlet(alpha) label skew (Hsu et al.
// 2019, as in the FedProx experiments) and shards per client (McMahan et al. 2017). Each returns one list of
// example indices per client; the same seed gives the same split.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::fed {

using Partition = std::vector<std::vector<int64_t>>;

// `num_examples` examples shuffled and dealt into `num_clients` parts of equal size (the first parts get
// one more when it does not divide).
Partition partition_iid(int64_t num_examples, int64_t num_clients, uint64_t seed);

// Label skew: for every class, the shares of its examples that go to each client are drawn from
// Dirichlet(alpha, ..., alpha); small alpha gives each client few classes. Draws again (up to 100 times)
// until every client holds at least `min_size` examples. `labels` is i64 [N].
Partition partition_dirichlet(const Tensor& labels, int64_t num_clients, double alpha, uint64_t seed,
                              int64_t min_size = 10);

// Pathological non-IID: examples sorted by label, cut into num_clients * shards_per_client shards of equal
// size, and each client given `shards_per_client` shards at random (McMahan et al.: 200 shards of 300, 2 per
// client, on MNIST).
Partition partition_shards(const Tensor& labels, int64_t num_clients, int64_t shards_per_client,
                           uint64_t seed);

// Per client, how many of its examples carry each label: [num_clients][num_classes].
std::vector<std::vector<int64_t>> label_counts(const Partition& partition, const Tensor& labels,
                                               int64_t num_classes);

}  // namespace strata::fed
