#pragma once
// A federated client: a strata model, the data shard that never leaves it, and a local optimiser. Each round
// it starts from the global weights, trains E local epochs of batch size B (FedAvg, McMahan et al. 2017),
// optionally with FedProx's proximal term (Li et al. 2020) and DP-SGD, and returns its weight change.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "strata/fed/dp_sgd.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"

namespace strata::fed {

struct LocalTrainingOptions {
  int64_t epochs = 1;                // E: passes over the client's shard per round
  int64_t batch_size = 10;           // B
  double mu = 0.0;                   // FedProx: (mu / 2) |w - w_global|^2 is added to the loss (0: FedAvg)
  std::optional<DpSgdOptions> dp{};  // DP-SGD: Poisson batches of rate B / n, round(n / B) steps per epoch
};

// Builds the local optimiser over the client's parameters (fresh each round, as in FedAvg).
using OptimizerFactory = std::function<std::shared_ptr<optim::Optimizer>(std::vector<Tensor> params)>;

// What a client computes in a round.
struct ClientUpdate {
  int64_t client = 0;
  int64_t num_samples = 0;   // n_k, the FedAvg weight
  Tensor delta;              // f32 [P]: local weights minus the global weights (model_vector.h layout)
  double loss = 0.0;         // mean training loss over the local steps
  int64_t steps = 0;         // local optimiser steps
  double sample_rate = 0.0;  // DP-SGD: the Poisson rate q of its steps (0 without DP)
};

class Client {
 public:
  // `inputs` [n, ...] and `targets` [n] are the client's shard; `model` may be shared between clients that
  // train one after another (train() loads the global weights first). The loss is the batch mean (cross
  // entropy when unset).
  Client(int64_t id, std::shared_ptr<nn::Module> model, Tensor inputs, Tensor targets,
         OptimizerFactory make_optimizer, LossFn loss = {});
  // Trains from `global` (model_to_vector layout) with `options`; `seed` drives the batch order (or Poisson
  // sampling) and the DP noise, so a client's update depends only on (global, options, seed).
  ClientUpdate train(const Tensor& global, const LocalTrainingOptions& options, uint64_t seed);
  int64_t id() const { return id_; }
  int64_t num_samples() const { return inputs_.size(0); }
  const std::shared_ptr<nn::Module>& model() const { return model_; }

 private:
  int64_t id_;
  std::shared_ptr<nn::Module> model_;
  Tensor inputs_, targets_;
  OptimizerFactory make_optimizer_;
  LossFn loss_;
};

}  // namespace strata::fed
