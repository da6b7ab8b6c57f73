#pragma once
// The federated server: rounds of client sampling (a fraction C of the K clients), local training on the
// sampled clients, and aggregation of the updates of those that report, by FedAvg (the mean of the weight
// changes weighted by sample count; with LocalTrainingOptions::mu > 0 the clients run FedProx). Clients can
// drop out of a round: a dropped client's update is ignored and the weights renormalise over the others.
// With secure aggregation the server sees only masked vectors (secure_aggregation.h); with DP-SGD it keeps
// a Rényi-DP accountant per client and reports the largest epsilon.
//
// Where the sampled clients train is a ClientExecutor: SimulatedClients runs them one after another in this
// process; dist::MpiClients runs one group of clients per MPI rank. Every random choice is seeded from
// (seed, round, client), never from where a client runs, so both give the same result for the same seed.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "strata/fed/client.h"
#include "strata/fed/rdp_accountant.h"
#include "strata/fed/secure_aggregation.h"

namespace strata::fed {

struct FederatedOptions {
  double client_fraction = 0.1;  // C: max(1, round(C * K)) clients are sampled per round
  double dropout = 0.0;          // probability that a sampled client does not report in a round
  LocalTrainingOptions local{};
  bool secure_aggregation = false;
  int frac_bits = 24;   // secure aggregation's fixed-point resolution (2^-frac_bits)
  double delta = 1e-5;  // DP: epsilon is reported at this delta
  uint64_t seed = 0;
};

// Who takes part in a round.
struct RoundPlan {
  int64_t round = 0;               // 1-based
  std::vector<int64_t> sampled;    // sorted client ids
  std::vector<int64_t> reporting;  // the sampled clients that did not drop out (sorted)
};

// What one reporting client sends the server: `payload` is f64 [P + 2] holding n_k * delta_k, n_k and
// n_k * loss_k (so sums give the weighted mean and the total weight), or with secure aggregation the same
// vector encoded and masked (i64 ring elements). `steps` and `sample_rate` are public (DP accounting).
struct Contribution {
  int64_t client = 0;
  Tensor payload;
  int64_t steps = 0;
  double sample_rate = 0.0;
};

// The seed of client `client`'s local training in `round`.
uint64_t client_round_seed(uint64_t seed, int64_t round, int64_t client);
// Turns a client's update into what it sends (masked among plan.reporting when `secure` is set).
Contribution make_contribution(const ClientUpdate& update, const RoundPlan& plan,
                               const SecureAggregation* secure);

// Trains the reporting clients of a round and returns their contributions in plan.reporting's order.
class ClientExecutor {
 public:
  virtual ~ClientExecutor() = default;
  virtual int64_t num_clients() const = 0;
  virtual std::vector<Contribution> run(const RoundPlan& plan, const Tensor& global,
                                        const FederatedOptions& options, const SecureAggregation* secure) = 0;
};

// Every client in this process, trained one after another.
class SimulatedClients : public ClientExecutor {
 public:
  explicit SimulatedClients(std::vector<Client> clients);
  int64_t num_clients() const override { return static_cast<int64_t>(clients_.size()); }
  std::vector<Contribution> run(const RoundPlan& plan, const Tensor& global, const FederatedOptions& options,
                                const SecureAggregation* secure) override;
  Client& client(int64_t id) { return clients_.at(static_cast<size_t>(id)); }

 private:
  std::vector<Client> clients_;
};

struct RoundResult {
  RoundPlan plan;
  int64_t num_samples = 0;        // the total weight of the reporting clients
  double train_loss = 0.0;        // their sample-weighted mean local training loss
  double update_norm = 0.0;       // |w_new - w_old|
  std::optional<double> epsilon;  // DP: the largest client epsilon so far at options.delta
};

// Classification quality of a model on a labelled set.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
};

class Server {
 public:
  // `model` holds the initial global weights (and is kept equal to the global weights after each round).
  Server(std::shared_ptr<nn::Module> model, FederatedOptions options);
  // Samples the clients of `round` (1-based) and decides the dropouts.
  RoundPlan plan(int64_t round, int64_t num_clients) const;
  // Runs one round through `executor` and updates the global model.
  RoundResult run_round(int64_t round, ClientExecutor& executor);
  // Averages contributions into the global model (what run_round does after training).
  RoundResult aggregate(const RoundPlan& plan, const std::vector<Contribution>& contributions);
  // Loss and accuracy of the global model on (inputs, targets), in batches of `batch_size`.
  Evaluation evaluate(const Tensor& inputs, const Tensor& targets, int64_t batch_size = 1000) const;
  const Tensor& global() const { return global_; }
  const std::shared_ptr<nn::Module>& model() const { return model_; }
  const FederatedOptions& options() const { return options_; }
  // Restores the global weights (resuming from a checkpoint).
  void set_global(const Tensor& global);

 private:
  std::shared_ptr<nn::Module> model_;
  FederatedOptions options_;
  Tensor global_;
  std::optional<SecureAggregation> secure_;
  std::map<int64_t, RdpAccountant> accountants_;
};

}  // namespace strata::fed
