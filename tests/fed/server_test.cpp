#include "strata/fed/server.h"

#include <gtest/gtest.h>

#include "strata/fed/model_vector.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata::fed {
namespace {

std::shared_ptr<nn::Module> small_model(uint64_t seed = 1) {
  manual_seed(seed);
  return nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3)).ptr();
}

OptimizerFactory sgd(double lr) {
  return [lr](std::vector<Tensor> params) {
    return std::make_shared<optim::SGD>(std::move(params), optim::SGDOptions{.lr = lr});
  };
}

// Clients with shards of different sizes drawn around class centres.
std::vector<Client> clients(int64_t k, const std::shared_ptr<nn::Module>& model) {
  std::vector<Client> out;
  for (int64_t c = 0; c < k; ++c) {
    const int64_t n = 10 + 5 * c;
    Generator g(40 + c);
    std::vector<int64_t> y;
    for (int64_t i = 0; i < n; ++i) y.push_back((i + c) % 3);
    const Tensor labels = from_vector(y, {n});
    const Tensor x = ops::add(randn({n, 4}, {}, &g), ops::one_hot(labels, 4).to(kFloat32), 2.0);
    out.emplace_back(c, model, x, labels, sgd(0.1));
  }
  return out;
}

TEST(Server, SamplesAFractionAndDropsClientsReproducibly) {
  Server server(small_model(), {.client_fraction = 0.3, .dropout = 0.5, .seed = 3});
  int dropped = 0;
  for (int64_t r = 1; r <= 20; ++r) {
    const RoundPlan p = server.plan(r, 20);
    EXPECT_EQ(p.sampled.size(), 6u);
    EXPECT_TRUE(std::is_sorted(p.sampled.begin(), p.sampled.end()));
    EXPECT_TRUE(std::includes(p.sampled.begin(), p.sampled.end(), p.reporting.begin(), p.reporting.end()));
    dropped += static_cast<int>(p.sampled.size() - p.reporting.size());
    EXPECT_EQ(server.plan(r, 20).reporting, p.reporting);
  }
  EXPECT_GT(dropped, 30);  // about half of 120
  EXPECT_LT(dropped, 90);
  EXPECT_NE(server.plan(1, 20).sampled, server.plan(2, 20).sampled);
}

TEST(Server, FedAvgIsTheSampleWeightedMeanOfTheReportingClients) {
  auto model = small_model();
  auto worker = small_model(2);
  SimulatedClients sim(clients(5, worker));
  FederatedOptions opt{
      .client_fraction = 1.0, .dropout = 0.4, .local = {.epochs = 2, .batch_size = 4}, .seed = 5};
  Server server(model, opt);
  const Tensor before = server.global().clone();
  const RoundPlan plan = server.plan(1, 5);
  ASSERT_FALSE(plan.reporting.empty());
  ASSERT_LT(plan.reporting.size(), 5u);  // someone dropped out with this seed
  // The expected average, from each reporting client's own update.
  Tensor sum = zeros_like(before);
  double n = 0;
  for (int64_t k : plan.reporting) {
    const ClientUpdate u = sim.client(k).train(before, opt.local, client_round_seed(opt.seed, 1, k));
    sum = ops::add(sum, u.delta, static_cast<double>(u.num_samples));
    n += static_cast<double>(u.num_samples);
  }
  const RoundResult r = server.run_round(1, sim);
  EXPECT_EQ(r.plan.reporting, plan.reporting);
  EXPECT_EQ(r.num_samples, static_cast<int64_t>(n));
  const Tensor want = ops::add(before, ops::div(sum, n));
  EXPECT_LT(ops::abs(ops::sub(server.global(), want)).max().item(), 1e-6);
  EXPECT_LT(ops::abs(ops::sub(model_to_vector(*model), want)).max().item(), 1e-6);
}

TEST(Server, SecureAggregationGivesThePlainResult) {
  FederatedOptions opt{
      .client_fraction = 0.6, .dropout = 0.2, .local = {.epochs = 1, .batch_size = 5}, .seed = 8};
  auto run = [&](bool secure) {
    FederatedOptions o = opt;
    o.secure_aggregation = secure;
    Server server(small_model(), o);
    SimulatedClients sim(clients(6, small_model(2)));
    for (int64_t r = 1; r <= 4; ++r) server.run_round(r, sim);
    return server.global().clone();
  };
  const Tensor plain = run(false), secure = run(true);
  EXPECT_LT(ops::abs(ops::sub(plain, secure)).max().item(), 1e-6);
  EXPECT_GT(
      ops::abs(ops::sub(plain, small_model()->parameters()[0].reshape({-1}).narrow(0, 0, 1))).max().item(),
      0);
}

TEST(Server, FedProxPullsTowardsTheGlobalWeights) {
  const auto norm_of = [](double mu) {
    auto worker = small_model(2);
    auto cl = clients(1, worker);
    const Tensor global = model_to_vector(*small_model());
    return ops::norm(cl[0].train(global, {.epochs = 3, .batch_size = 2, .mu = mu}, 7).delta).item();
  };
  const double fedavg = norm_of(0.0), fedprox = norm_of(5.0);
  EXPECT_LT(fedprox, 0.7 * fedavg);
  EXPECT_EQ(norm_of(1.0), norm_of(1.0));  // seeded
}

TEST(Server, DpClientsReportEpsilon) {
  FederatedOptions opt{.client_fraction = 1.0,
                       .local = {.epochs = 1,
                                 .batch_size = 5,
                                 .dp = DpSgdOptions{.max_grad_norm = 1.0, .noise_multiplier = 1.0}},
                       .seed = 2};
  Server server(small_model(), opt);
  SimulatedClients sim(clients(3, small_model(2)));
  const RoundResult r1 = server.run_round(1, sim);
  const RoundResult r2 = server.run_round(2, sim);
  ASSERT_TRUE(r1.epsilon && r2.epsilon);
  EXPECT_GT(*r1.epsilon, 0);
  EXPECT_GT(*r2.epsilon, *r1.epsilon);
  // The smallest client (10 samples, q = 0.5, 2 steps per round) has spent the most.
  RdpAccountant acc;
  acc.step(0.5, 1.0, 4);
  EXPECT_NEAR(*r2.epsilon, acc.epsilon(1e-5), 1e-9);
}

TEST(Server, ARoundWithoutReportsKeepsTheModel) {
  Server server(small_model(), {.client_fraction = 0.2, .dropout = 0.999, .seed = 1});
  SimulatedClients sim(clients(5, small_model(2)));
  const Tensor before = server.global().clone();
  const RoundResult r = server.run_round(1, sim);
  EXPECT_TRUE(r.plan.reporting.empty());
  EXPECT_EQ(r.num_samples, 0);
  EXPECT_EQ(server.global().to_vector<float>(), before.to_vector<float>());
}

TEST(Server, BadOptionsAreNamed) {
  EXPECT_ERROR_CONTAINS(Server(small_model(), {.client_fraction = 0.0}), "client_fraction");
  EXPECT_ERROR_CONTAINS(Server(small_model(), {.dropout = 1.0}), "dropout");
  auto worker = small_model();
  EXPECT_ERROR_CONTAINS(Client(0, worker, zeros({3, 4}), zeros({2}, {.dtype = kInt64}), sgd(0.1)),
                        "Client 0");
  auto cl = clients(1, worker);
  EXPECT_ERROR_CONTAINS(cl[0].train(zeros({3}), {}, 0), "vector_to_model", "3");
}

}  // namespace
}  // namespace strata::fed
