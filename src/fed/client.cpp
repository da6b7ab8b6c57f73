#include "strata/fed/client.h"

#include <cmath>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/fed/model_vector.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"

namespace strata::fed {

Client::Client(int64_t id, std::shared_ptr<nn::Module> model, Tensor inputs, Tensor targets,
               OptimizerFactory make_optimizer, LossFn loss)
    : id_(id),
      model_(std::move(model)),
      inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      make_optimizer_(std::move(make_optimizer)),
      loss_(std::move(loss)) {
  STRATA_CHECK(model_ != nullptr, "Client {}: the model is null", id_);
  STRATA_CHECK(inputs_.defined() && targets_.defined() && inputs_.dim() >= 1 && targets_.dim() >= 1 &&
                   inputs_.size(0) == targets_.size(0) && inputs_.size(0) > 0,
               "Client {}: inputs {} and targets {} must hold the same number (> 0) of examples", id_,
               inputs_.defined() ? inputs_.shape().str() : "undefined",
               targets_.defined() ? targets_.shape().str() : "undefined");
  STRATA_CHECK(make_optimizer_ != nullptr, "Client {}: no optimiser factory", id_);
  if (!loss_) loss_ = [](const Tensor& out, const Tensor& y) { return ops::cross_entropy(out, y); };
}

ClientUpdate Client::train(const Tensor& global, const LocalTrainingOptions& options, uint64_t seed) {
  STRATA_CHECK(options.epochs >= 1 && options.batch_size >= 1,
               "Client {}: local epochs ({}) and batch_size ({}) must be at least 1", id_, options.epochs,
               options.batch_size);
  STRATA_CHECK(options.mu >= 0, "Client {}: FedProx mu must be >= 0, got {}", id_, options.mu);
  vector_to_model(global, *model_);
  model_->train();
  std::vector<Tensor> params;
  for (const Tensor& p : model_->parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  std::vector<Tensor> anchor;  // FedProx: the global weights
  if (options.mu > 0) {
    for (const Tensor& p : params) anchor.push_back(p.detach().clone());
  }
  std::shared_ptr<optim::Optimizer> optimizer = make_optimizer_(params);
  std::unique_ptr<DpSgd> dp;
  if (options.dp) dp = std::make_unique<DpSgd>(model_, *options.dp);

  const int64_t n = num_samples();
  std::mt19937_64 rng(seed);
  Generator noise(seed ^ 0xD1FFE7E4C0115EEDull);
  ClientUpdate update;
  update.client = id_;
  update.num_samples = n;
  double loss_sum = 0;
  std::vector<int64_t> order(static_cast<size_t>(n));
  const double q = std::min(1.0, static_cast<double>(options.batch_size) / static_cast<double>(n));
  if (dp) update.sample_rate = q;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    std::vector<std::vector<int64_t>> batches;
    if (dp) {
      // Poisson sampling: every example joins each batch independently with probability q.
      const int64_t steps = std::max<int64_t>(1, std::llround(static_cast<double>(n) / options.batch_size));
      std::uniform_real_distribution<double> u(0.0, 1.0);
      for (int64_t s = 0; s < steps; ++s) {
        std::vector<int64_t> batch;
        for (int64_t i = 0; i < n; ++i) {
          if (u(rng) < q) batch.push_back(i);
        }
        batches.push_back(std::move(batch));
      }
    } else {
      for (int64_t i = 0; i < n; ++i) order[i] = i;
      for (int64_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % static_cast<uint64_t>(i)]);
      for (int64_t start = 0; start < n; start += options.batch_size) {
        batches.emplace_back(order.begin() + start, order.begin() + std::min(n, start + options.batch_size));
      }
    }
    for (const auto& batch : batches) {
      const Tensor index = from_vector(batch, {static_cast<int64_t>(batch.size())});
      const Tensor x = ops::index_select(inputs_, 0, index), y = ops::index_select(targets_, 0, index);
      optimizer->zero_grad();
      if (dp) {
        loss_sum += dp->compute_gradients(x, y, loss_, q * static_cast<double>(n), noise);
      } else {
        const Tensor l = loss_((*model_)(x), y);
        loss_sum += l.item();
        l.backward();
      }
      if (options.mu > 0) {
        autograd::NoGradGuard no_grad;
        for (size_t i = 0; i < params.size(); ++i) {
          Tensor p = params[i];
          const Tensor prox = ops::sub(p.detach(), anchor[i]);  // the gradient of (mu/2)|w - w_g|^2
          p.set_grad(p.grad().defined() ? ops::add(p.grad(), prox, options.mu) : ops::mul(prox, options.mu));
        }
      }
      optimizer->step();
      ++update.steps;
    }
  }
  update.loss = update.steps ? loss_sum / static_cast<double>(update.steps) : 0.0;
  update.delta = ops::sub(model_to_vector(*model_), global);
  return update;
}

}  // namespace strata::fed
