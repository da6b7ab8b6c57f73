#pragma once
// The `federated` section of a `strata federate` config (docs/federated.md), read beside the training
// config's data, model, loss and optimizer (the clients' local optimiser); every error names the file, line
// and field (or the --set override):
//   federated: {clients: 100, partition: dirichlet, alpha: 0.5, rounds: 50, client_fraction: 0.1,
//               local_epochs: 1, batch_size: 10, algorithm: fedprox, mu: 0.01, dropout: 0.1,
//               secure_aggregation: true, dp: {max_grad_norm: 1.0, noise_multiplier: 1.1, delta: 1e-5}}
#include <string>
#include <vector>

#include "config.h"
#include "strata/fed/server.h"

namespace strata::cli {

struct FedConfig {
  Config base;                    // data, model, loss, optimizer, training (seed, threads)
  int64_t clients = 100;          // K
  std::string partition = "iid";  // iid | dirichlet | shards
  double alpha = 0.5;             // dirichlet
  int64_t shards_per_client = 2;  // shards
  int64_t min_size = 10;          // dirichlet: examples each client holds at least
  int64_t rounds = 20;
  std::string algorithm = "fedavg";  // fedavg | fedprox (fedprox needs mu > 0)
  int64_t eval_every = 1;            // rounds between evaluations of the global model (and the last)
  fed::FederatedOptions options;     // client_fraction, dropout, local (epochs, batch_size, mu, dp), ...
};

// Reads `path` as a training config with a `federated` section, applies `overrides` and validates both.
FedConfig load_fed_config(const std::string& path, const std::vector<Override>& overrides = {});

}  // namespace strata::cli
