#include "strata/dist/federated_clients.h"

#include <map>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"

namespace strata::dist {

bool FederatedClients::owns(int64_t id) { return id % world_size() == rank(); }

FederatedClients::FederatedClients(std::vector<fed::Client> clients, int64_t num_clients)
    : clients_(std::move(clients)), num_clients_(num_clients) {
  STRATA_CHECK(num_clients_ >= 1, "FederatedClients: no clients");
  for (const fed::Client& c : clients_) {
    STRATA_CHECK(
        c.id() >= 0 && c.id() < num_clients_ && owns(c.id()),
        "FederatedClients: client {} does not belong on rank {} of {} (client k lives on rank k % {})",
        c.id(), rank(), world_size(), world_size());
  }
  STRATA_CHECK(
      static_cast<int64_t>(clients_.size()) == (num_clients_ - rank() + world_size() - 1) / world_size(),
      "FederatedClients: rank {} holds {} clients, expected every k < {} with k % {} == {}", rank(),
      clients_.size(), num_clients_, world_size(), rank());
}

std::vector<fed::Contribution> FederatedClients::run(const fed::RoundPlan& plan, const Tensor& global,
                                                     const fed::FederatedOptions& options,
                                                     const fed::SecureAggregation* secure) {
  std::map<int64_t, fed::Client*> mine;
  for (fed::Client& c : clients_) mine[c.id()] = &c;
  const int64_t rows = static_cast<int64_t>(plan.reporting.size());
  const int64_t width = global.numel() + 2;
  // One row per reporting client: the payload (f64, or i64 ring elements when masked) and its metadata.
  Tensor table = zeros({rows, width}, {.dtype = secure ? kInt64 : kFloat64});
  Tensor meta = zeros({rows, 2}, {.dtype = kFloat64});  // steps, sample_rate
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t k = plan.reporting[r];
    auto it = mine.find(k);
    if (it == mine.end()) continue;
    const fed::ClientUpdate u =
        it->second->train(global, options.local, fed::client_round_seed(options.seed, plan.round, k));
    const fed::Contribution c = fed::make_contribution(u, plan, secure);
    table.select(0, r).copy_(c.payload);
    meta.select(0, r).copy_(
        from_vector(std::vector<double>{static_cast<double>(c.steps), c.sample_rate}, {2}));
  }
  all_reduce(table);
  all_reduce(meta);
  std::vector<fed::Contribution> out;
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<double> m = meta.select(0, r).to_vector<double>();
    out.push_back({.client = plan.reporting[r],
                   .payload = table.select(0, r).contiguous(),
                   .steps = static_cast<int64_t>(m[0]),
                   .sample_rate = m[1]});
  }
  return out;
}

}  // namespace strata::dist
