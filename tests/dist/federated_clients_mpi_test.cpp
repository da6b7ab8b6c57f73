// Federated rounds across the ranks of an mpirun (2 and 3 ranks: 7 clients split unevenly) give the global
// model of the one-process simulation to the bit, with dropouts, FedProx, DP-SGD and secure aggregation.
#include <gtest/gtest.h>

#include "strata/dist/federated_clients.h"
#include "strata/dist/process_group.h"
#include "strata/fed/model_vector.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata {
namespace {

constexpr int64_t kClients = 7;

std::shared_ptr<nn::Module> model(uint64_t seed) {
  manual_seed(seed);
  return nn::Sequential(nn::Linear(5, 8), nn::ReLU(), nn::Linear(8, 3)).ptr();
}

fed::Client client(int64_t k, const std::shared_ptr<nn::Module>& worker) {
  const int64_t n = 12 + 3 * k;
  Generator g(70 + k);
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) y.push_back((i * (k + 1)) % 3);
  const Tensor labels = from_vector(y, {n});
  const Tensor x = ops::add(randn({n, 5}, {}, &g), ops::one_hot(labels, 5).to(kFloat32), 1.5);
  return fed::Client(k, worker, x, labels, [](std::vector<Tensor> p) {
    return std::make_shared<optim::SGD>(std::move(p), optim::SGDOptions{.lr = 0.1, .momentum = 0.5});
  });
}

Tensor simulate(const fed::FederatedOptions& options, int64_t rounds) {
  auto worker = model(2);
  std::vector<fed::Client> all;
  for (int64_t k = 0; k < kClients; ++k) all.push_back(client(k, worker));
  fed::SimulatedClients sim(std::move(all));
  fed::Server server(model(1), options);
  for (int64_t r = 1; r <= rounds; ++r) server.run_round(r, sim);
  return server.global().clone();
}

Tensor distributed(const fed::FederatedOptions& options, int64_t rounds) {
  auto worker = model(2);
  std::vector<fed::Client> mine;
  for (int64_t k = 0; k < kClients; ++k) {
    if (dist::FederatedClients::owns(k)) mine.push_back(client(k, worker));
  }
  dist::FederatedClients clients(std::move(mine), kClients);
  fed::Server server(model(1), options);
  for (int64_t r = 1; r <= rounds; ++r) server.run_round(r, clients);
  return server.global().clone();
}

TEST(FederatedClients, FedAvgWithDropoutsMatchesTheSimulation) {
  ASSERT_GE(dist::world_size(), 2);
  const fed::FederatedOptions options{
      .client_fraction = 0.7, .dropout = 0.2, .local = {.epochs = 2, .batch_size = 4}, .seed = 11};
  const Tensor sim = simulate(options, 4), mpi = distributed(options, 4);
  EXPECT_EQ(mpi.to_vector<float>(), sim.to_vector<float>());
  EXPECT_NE(sim.to_vector<float>(), fed::model_to_vector(*model(1)).to_vector<float>());
}

TEST(FederatedClients, FedProxWithDpAndSecureAggregationMatchesTheSimulation) {
  const fed::FederatedOptions options{
      .client_fraction = 0.6,
      .dropout = 0.1,
      .local = {.epochs = 1,
                .batch_size = 5,
                .mu = 0.05,
                .dp = fed::DpSgdOptions{.max_grad_norm = 0.5, .noise_multiplier = 0.8}},
      .secure_aggregation = true,
      .seed = 4};
  const Tensor sim = simulate(options, 3), mpi = distributed(options, 3);
  EXPECT_EQ(mpi.to_vector<float>(), sim.to_vector<float>());
}

TEST(FederatedClients, AClientOnTheWrongRankIsNamed) {
  auto worker = model(2);
  std::vector<fed::Client> wrong;
  wrong.push_back(client(dist::rank() + 1, worker));
  EXPECT_ERROR_CONTAINS(dist::FederatedClients(std::move(wrong), kClients), "does not belong on rank");
}

}  // namespace
}  // namespace strata
