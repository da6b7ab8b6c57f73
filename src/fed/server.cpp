#include "strata/fed/server.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/fed/model_vector.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"

namespace strata::fed {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t client_round_seed(uint64_t seed, int64_t round, int64_t client) {
  return mix(mix(mix(seed) ^ static_cast<uint64_t>(round)) ^ static_cast<uint64_t>(client));
}

Contribution make_contribution(const ClientUpdate& update, const RoundPlan& plan,
                               const SecureAggregation* secure) {
  const double n = static_cast<double>(update.num_samples);
  const Tensor tail = from_vector(std::vector<double>{n, n * update.loss}, {2});
  Tensor payload = ops::cat({ops::mul(update.delta.to(kFloat64), n), tail}, 0);
  Contribution c{
      .client = update.client, .payload = payload, .steps = update.steps, .sample_rate = update.sample_rate};
  if (secure) c.payload = secure->mask(payload, update.client, plan.reporting, plan.round);
  return c;
}

SimulatedClients::SimulatedClients(std::vector<Client> clients) : clients_(std::move(clients)) {
  STRATA_CHECK(!clients_.empty(), "SimulatedClients: no clients");
  for (size_t k = 0; k < clients_.size(); ++k) {
    STRATA_CHECK(clients_[k].id() == static_cast<int64_t>(k), "SimulatedClients: client {} has id {}", k,
                 clients_[k].id());
  }
}

std::vector<Contribution> SimulatedClients::run(const RoundPlan& plan, const Tensor& global,
                                                const FederatedOptions& options,
                                                const SecureAggregation* secure) {
  std::vector<Contribution> out;
  for (int64_t k : plan.reporting) {
    const ClientUpdate u =
        client(k).train(global, options.local, client_round_seed(options.seed, plan.round, k));
    out.push_back(make_contribution(u, plan, secure));
  }
  return out;
}

Server::Server(std::shared_ptr<nn::Module> model, FederatedOptions options)
    : model_(std::move(model)), options_(options) {
  STRATA_CHECK(model_ != nullptr, "Server: the model is null");
  STRATA_CHECK(options_.client_fraction > 0 && options_.client_fraction <= 1,
               "Server: client_fraction must be in (0, 1], got {}", options_.client_fraction);
  STRATA_CHECK(options_.dropout >= 0 && options_.dropout < 1, "Server: dropout must be in [0, 1), got {}",
               options_.dropout);
  STRATA_CHECK(options_.delta > 0 && options_.delta < 1, "Server: delta must be in (0, 1), got {}",
               options_.delta);
  global_ = model_to_vector(*model_);
  if (options_.secure_aggregation)
    secure_.emplace(SecureAggregationOptions{.frac_bits = options_.frac_bits, .seed = options_.seed});
}

RoundPlan Server::plan(int64_t round, int64_t num_clients) const {
  STRATA_CHECK(num_clients >= 1, "Server::plan: no clients");
  RoundPlan p;
  p.round = round;
  std::mt19937_64 rng(mix(options_.seed ^ 0x5A3F1E5ull) ^ static_cast<uint64_t>(round));
  const int64_t m = std::clamp<int64_t>(
      std::llround(options_.client_fraction * static_cast<double>(num_clients)), 1, num_clients);
  std::vector<int64_t> ids(static_cast<size_t>(num_clients));
  for (int64_t k = 0; k < num_clients; ++k) ids[k] = k;
  for (int64_t i = 0; i < m; ++i) {  // partial Fisher-Yates: the first m are a uniform sample
    const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(num_clients - i));
    std::swap(ids[i], ids[j]);
  }
  p.sampled.assign(ids.begin(), ids.begin() + m);
  std::sort(p.sampled.begin(), p.sampled.end());
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t k : p.sampled) {
    if (u(rng) >= options_.dropout) p.reporting.push_back(k);
  }
  return p;
}

RoundResult Server::run_round(int64_t round, ClientExecutor& executor) {
  const RoundPlan p = plan(round, executor.num_clients());
  std::vector<Contribution> contributions;
  if (!p.reporting.empty()) contributions = executor.run(p, global_, options_, secure_ ? &*secure_ : nullptr);
  return aggregate(p, contributions);
}

RoundResult Server::aggregate(const RoundPlan& plan, const std::vector<Contribution>& contributions) {
  STRATA_CHECK(contributions.size() == plan.reporting.size(),
               "Server::aggregate: {} contributions for {} reporting clients in round {}",
               contributions.size(), plan.reporting.size(), plan.round);
  RoundResult r;
  r.plan = plan;
  if (!contributions.empty()) {
    Tensor total;
    if (secure_) {
      std::vector<Tensor> masked;
      for (const auto& c : contributions) masked.push_back(c.payload);
      total = secure_->decode(SecureAggregation::ring_sum(masked));
    } else {
      // In the plan's client order, so every executor sums in the same order.
      total = contributions[0].payload.clone();
      for (size_t i = 1; i < contributions.size(); ++i) total.add_(contributions[i].payload);
    }
    const int64_t p = global_.numel();
    STRATA_CHECK(total.numel() == p + 2, "Server::aggregate: payloads hold {} values, the model {} (+2)",
                 total.numel(), p);
    const std::vector<double> tail = total.narrow(0, p, 2).to_vector<double>();
    r.num_samples = std::llround(tail[0]);
    STRATA_CHECK(tail[0] > 0, "Server::aggregate: the reporting clients hold no samples");
    r.train_loss = tail[1] / tail[0];
    const Tensor step = ops::div(total.narrow(0, 0, p), tail[0]).to(kFloat32);
    r.update_norm = ops::norm(step).item();
    global_ = ops::add(global_, step).contiguous();
    vector_to_model(global_, *model_);
  }
  for (const auto& c : contributions) {
    if (c.sample_rate > 0 && options_.local.dp) {
      accountants_[c.client].step(c.sample_rate, options_.local.dp->noise_multiplier, c.steps);
    }
  }
  if (options_.local.dp) {
    double eps = 0;
    for (const auto& [k, acc] : accountants_) eps = std::max(eps, acc.epsilon(options_.delta));
    r.epsilon = eps;
  }
  return r;
}

Evaluation Server::evaluate(const Tensor& inputs, const Tensor& targets, int64_t batch_size) const {
  STRATA_CHECK(
      inputs.defined() && targets.defined() && inputs.size(0) == targets.size(0) && inputs.size(0) > 0,
      "Server::evaluate: inputs and targets must hold the same number (> 0) of examples");
  autograd::NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  double loss = 0, correct = 0;
  const int64_t n = inputs.size(0);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t len = std::min(batch_size, n - start);
    const Tensor out = (*model_)(inputs.narrow(0, start, len));
    const Tensor y = targets.narrow(0, start, len);
    loss += ops::cross_entropy(out, y).item() * static_cast<double>(len);
    correct += ops::eq(ops::argmax(out, 1), y).to(kFloat64).sum().item();
  }
  model_->train(was_training);
  return {loss / static_cast<double>(n), correct / static_cast<double>(n)};
}

void Server::set_global(const Tensor& global) {
  vector_to_model(global, *model_);
  global_ = global.to(kFloat32).contiguous().clone();
}

}  // namespace strata::fed
