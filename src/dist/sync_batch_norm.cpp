// SyncBatchNorm. Each rank sums x and x^2 over its batch per channel; one all_reduce gives the global sums,
// from which mean and biased variance normalise the local batch with ordinary differentiable ops. The
// all_reduce is itself a differentiable op: the global sums depend on every rank's input, so its backward
// all-reduces the incoming gradient (the sum over ranks of each rank's loss gradient w.r.t. the global sums),
// which is what makes every rank's input gradient that of the global batch (as PyTorch's SyncBatchNorm
// backward).
#include "strata/dist/sync_batch_norm.h"

#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/normalization.h"

namespace strata::dist {
namespace {

// The elementwise sum of `local` over the ranks; differentiable (its backward sums the gradient over ranks).
Tensor all_reduce_sum(const Tensor& local) {
  Tensor out = local.detach().contiguous().clone();
  all_reduce(out);
  return autograd::record("sync_batch_norm_all_reduce", out, {local}, [](const Tensor& g) {
    Tensor sum = g.detach().contiguous().clone();
    all_reduce(sum);
    return autograd::Grads{sum};
  });
}

}  // namespace

SyncBatchNormImpl::SyncBatchNormImpl(int64_t num_features, nn::BatchNormOptions options)
    : nn::Module("SyncBatchNorm"), num_features(num_features), options(options) {
  STRATA_CHECK(num_features > 0, "SyncBatchNorm: num_features must be positive, got {}", num_features);
  STRATA_CHECK(options.eps > 0, "SyncBatchNorm: eps must be positive, got {}", options.eps);
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = kInt64}));
  }
}

Tensor SyncBatchNormImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.defined(), "SyncBatchNorm: undefined input");
  STRATA_CHECK(input.dim() >= 2 && input.size(1) == num_features,
               "SyncBatchNorm: expected input [N, {}, *] (num_features in dim 1), got shape {}", num_features,
               input.shape().str());
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  const bool sync = is_initialized() && world_size() > 1;
  if (!use_batch_stats || !sync) {
    if (is_training() && options.track_running_stats) {
      autograd::NoGradGuard no_grad;
      num_batches_tracked.add_(1.0);
    }
    return ops::batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, options.momentum,
                           options.eps);
  }
  Shape dims{0};
  Shape stat_shape{1, num_features};
  for (int64_t d = 2; d < input.dim(); ++d) {
    dims.push_back(d);
    stat_shape.push_back(1);
  }
  Tensor count = scalar_tensor(static_cast<double>(input.numel() / num_features), {.dtype = kInt64});
  all_reduce(count);
  const double m = count.item();
  STRATA_CHECK(m > 1, "SyncBatchNorm: expected more than 1 value per channel over all ranks, got input {}",
               input.shape().str());
  const Tensor global = all_reduce_sum(ops::cat({input.sum(dims), (input * input).sum(dims)}));
  const Tensor mean = global.narrow(0, 0, num_features) / m;
  const Tensor var = global.narrow(0, num_features, num_features) / m - mean * mean;
  Tensor out = (input - mean.view(stat_shape)) * ops::rsqrt(var + options.eps).view(stat_shape);
  if (options.affine) out = out * weight.view(stat_shape) + bias.view(stat_shape);
  if (options.track_running_stats) {
    autograd::NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
    running_mean.mul_(1.0 - options.momentum).add_(mean.detach().to(running_mean.dtype()), options.momentum);
    running_var.mul_(1.0 - options.momentum)
        .add_((var.detach() * (m / (m - 1))).to(running_var.dtype()), options.momentum);
  }
  return out;
}

std::string SyncBatchNormImpl::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features, options.eps,
                     options.momentum, options.affine, options.track_running_stats);
}

int64_t convert_sync_batchnorm(nn::Module& module) {
  int64_t replaced = 0;
  for (const auto& [name, child] : module.named_modules()) {
    if (name.empty()) continue;
    auto* bn = dynamic_cast<nn::BatchNormImpl*>(child.get());
    if (bn == nullptr) continue;
    auto sync = std::make_shared<SyncBatchNormImpl>(bn->num_features, bn->options);
    sync->to(child->parameters().empty() ? kFloat32 : child->parameters()[0].dtype());
    sync->load_state_dict(child->state_dict());
    sync->train(child->is_training());
    module.replace(name, sync);
    ++replaced;
  }
  return replaced;
}

}  // namespace strata::dist
