#pragma once
// Federated clients across MPI ranks: client k lives on rank k % world_size, so each rank holds one group of
// clients and trains those of them that report in a round. The ranks then exchange the contributions (each
// already masked on its own rank when secure aggregation is on) with one all-reduce over a table that holds
// each rank's rows and zeros elsewhere; adding zeros is exact, so every rank gets the contributions to the
// bit and the server sums them in client order, exactly as fed::SimulatedClients does in one process: the
// same seed gives the same global model.
#include <vector>

#include "strata/fed/server.h"

namespace strata::dist {

class FederatedClients : public fed::ClientExecutor {
 public:
  // `clients` are this rank's (ids with id % world_size() == rank()) of `num_clients` in all; collective.
  FederatedClients(std::vector<fed::Client> clients, int64_t num_clients);
  // Whether client `id` lives on this rank.
  static bool owns(int64_t id);
  int64_t num_clients() const override { return num_clients_; }
  std::vector<fed::Contribution> run(const fed::RoundPlan& plan, const Tensor& global,
                                     const fed::FederatedOptions& options,
                                     const fed::SecureAggregation* secure) override;

 private:
  std::vector<fed::Client> clients_;
  int64_t num_clients_;
};

}  // namespace strata::dist
