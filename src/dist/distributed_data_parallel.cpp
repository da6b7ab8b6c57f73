// DistributedDataParallel. Plan: parameters (trainable, reverse registration order) are packed into buckets
// of about bucket_cap_mb, each with one flat buffer per step. Engine: the autograd engine's post-accumulate
// hook copies a parameter's complete gradient into its bucket (pre-divided by the world size); when a
// bucket's last gradient arrives the bucket is launched with MPI_Iallreduce(MPI_IN_PLACE, SUM). Buckets
// launch strictly in index order (a ready bucket waits for earlier ones), so every rank issues the same
// collectives in the same order whatever the details of its backward. Every hook also advances the launched
// requests (MPI_Testall): MPI progresses non-blocking collectives inside MPI calls, so this is what lets the
// transfer of early buckets proceed while backward computes the rest. The backward-end hook launches what is
// left (a parameter that received no gradient contributes zeros, as PyTorch's find_unused_parameters), waits
// under the watchdog, and copies the averages back into .grad().
#include "strata/dist/distributed_data_parallel.h"

#include <algorithm>
#include <chrono>

#include "dist/mpi_comm.h"
#include "strata/autograd/grad_hooks.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"

namespace strata::dist {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

struct DistributedDataParallelImpl::Bucket {
  Dtype dtype = kFloat32;
  int64_t numel = 0;
  Tensor flat;               // the gradients of one step, contiguous
  std::vector<char> filled;  // per parameter of the bucket: gradient copied this step
  int64_t pending = 0;       // parameters whose gradient has not arrived this step
  bool launched = false;
  MPI_Request request = MPI_REQUEST_NULL;
};

DistributedDataParallelImpl::DistributedDataParallelImpl(std::shared_ptr<nn::Module> module,
                                                         DistributedDataParallelOptions options)
    : nn::Module("DistributedDataParallel"), module_(std::move(module)), options_(options) {
  STRATA_CHECK(module_ != nullptr, "DistributedDataParallel: the module is null");
  STRATA_CHECK(options_.bucket_cap_mb > 0, "DistributedDataParallel: bucket_cap_mb must be positive, got {}",
               options_.bucket_cap_mb);
  STRATA_CHECK(options_.first_bucket_cap_mb > 0,
               "DistributedDataParallel: first_bucket_cap_mb must be positive, got {}",
               options_.first_bucket_cap_mb);
  STRATA_CHECK(is_initialized(), "DistributedDataParallel: call dist::init() first");
  register_module("module", module_);
  // Every replica starts from rank 0's weights.
  {
    autograd::NoGradGuard no_grad;
    for (Tensor p : module_->parameters()) broadcast(p, 0);
    for (Tensor b : module_->buffers()) broadcast(b, 0);
  }
  for (const Tensor& p : module_->parameters()) {
    if (!p.requires_grad()) continue;
    STRATA_CHECK(p.dtype() == kFloat32 || p.dtype() == kFloat64,
                 "DistributedDataParallel: parameters must be f32 or f64, got {}", dtype_name(p.dtype()));
    params_.push_back(p);
  }
  // Buckets in reverse registration order: the last layers' gradients are ready first.
  const auto cap = static_cast<int64_t>(options_.bucket_cap_mb * 1024 * 1024);
  const auto first_cap = std::min(cap, static_cast<int64_t>(options_.first_bucket_cap_mb * 1024 * 1024));
  bucket_of_.assign(params_.size(), -1);
  offset_of_.assign(params_.size(), 0);
  slot_of_.assign(params_.size(), 0);
  for (auto i = static_cast<int64_t>(params_.size()) - 1; i >= 0; --i) {
    const Tensor& p = params_[static_cast<size_t>(i)];
    const auto bytes = static_cast<int64_t>(p.numel() * p.element_size());
    const bool fits = !buckets_.empty() && buckets_.back()->dtype == p.dtype() &&
                      (buckets_.back()->numel * static_cast<int64_t>(p.element_size()) + bytes <=
                       (buckets_.size() == 1 ? first_cap : cap));
    if (!fits) {
      buckets_.push_back(std::make_unique<Bucket>());
      buckets_.back()->dtype = p.dtype();
      bucket_params_.emplace_back();
    }
    Bucket& b = *buckets_.back();
    bucket_of_[static_cast<size_t>(i)] = static_cast<int64_t>(buckets_.size()) - 1;
    offset_of_[static_cast<size_t>(i)] = b.numel;
    b.numel += p.numel();
    slot_of_[static_cast<size_t>(i)] = static_cast<int64_t>(bucket_params_.back().size());
    bucket_params_.back().push_back(i);
  }
  for (size_t k = 0; k < buckets_.size(); ++k) {
    Bucket& b = *buckets_[k];
    b.flat = zeros({b.numel}, {.dtype = b.dtype});
    b.filled.assign(bucket_params_[k].size(), 0);
    b.pending = static_cast<int64_t>(bucket_params_[k].size());
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    hook_ids_.push_back(autograd::register_post_accumulate_grad_hook(
        params_[i], [this, i](const Tensor&) { on_grad_ready(static_cast<int64_t>(i)); }));
  }
  hook_ids_.push_back(autograd::register_backward_end_hook([this] {
    if (active_) finish_gradient_synchronization();
  }));
}

DistributedDataParallelImpl::~DistributedDataParallelImpl() {
  for (uint64_t id : hook_ids_) autograd::remove_hook(id);
}

Tensor DistributedDataParallelImpl::forward(const Tensor& input) {
  if (options_.broadcast_buffers && world_size() > 1) {
    autograd::NoGradGuard no_grad;
    for (Tensor b : module_->buffers()) broadcast(b, 0);
  }
  return (*module_)(input);
}

void DistributedDataParallelImpl::on_grad_ready(int64_t param) {
  const auto start = Clock::now();
  active_ = true;
  const auto k = static_cast<size_t>(bucket_of_[static_cast<size_t>(param)]);
  Bucket& b = *buckets_[k];
  STRATA_CHECK(
      !b.launched,
      "DistributedDataParallel: the gradient of parameter {} arrived after its bucket was reduced (a "
      "second backward before the first one's synchronisation?)",
      param);
  const Tensor& p = params_[static_cast<size_t>(param)];
  const auto slot = static_cast<size_t>(slot_of_[static_cast<size_t>(param)]);
  {
    autograd::NoGradGuard no_grad;
    Tensor view = b.flat.narrow(0, offset_of_[static_cast<size_t>(param)], p.numel()).view(p.shape());
    view.copy_(p.grad());
    view.div_(static_cast<double>(world_size()));
  }
  if (!b.filled[slot]) {
    b.filled[slot] = 1;
    --b.pending;
  }
  const size_t before = next_launch_;
  launch_ready_buckets();
  // Buckets started while later ones are still filling: their reduction overlaps the rest of backward.
  for (size_t k = before; k < next_launch_; ++k) {
    if (k + 1 < buckets_.size()) ++stats_.early_launches;
  }
  progress();
  stats_.comm_seconds += seconds_since(start);
}

void DistributedDataParallelImpl::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_]->pending == 0) {
    Bucket& b = *buckets_[next_launch_];
    const char* op = "bucket all_reduce";
    MPI_Comm comm = detail::comm(op);
    detail::begin_collective(op);
    detail::check(MPI_Iallreduce(MPI_IN_PLACE, b.flat.raw_data(), static_cast<int>(b.numel),
                                 detail::mpi_dtype(b.dtype, op), MPI_SUM, comm, &b.request),
                  op);
    b.launched = true;
    stats_.bytes_reduced += b.numel * static_cast<int64_t>(b.flat.element_size());
    ++next_launch_;
  }
}

void DistributedDataParallelImpl::progress() {
  for (size_t k = 0; k < next_launch_; ++k) {
    Bucket& b = *buckets_[k];
    if (b.request != MPI_REQUEST_NULL) detail::test_all(&b.request, 1, "bucket all_reduce");
  }
}

void DistributedDataParallelImpl::finish_gradient_synchronization() {
  if (!active_) return;
  const auto start = Clock::now();
  // Parameters no gradient reached contribute zeros (their bucket must still be reduced on every rank).
  for (size_t k = next_launch_; k < buckets_.size(); ++k) {
    Bucket& b = *buckets_[k];
    for (size_t s = 0; s < b.filled.size(); ++s) {
      if (b.filled[s]) continue;
      const int64_t param = bucket_params_[k][s];
      const Tensor& p = params_[static_cast<size_t>(param)];
      b.flat.narrow(0, offset_of_[static_cast<size_t>(param)], p.numel()).zero_();
      b.filled[s] = 1;
      --b.pending;
    }
  }
  launch_ready_buckets();
  const auto wait_start = Clock::now();
  for (auto& b : buckets_) detail::wait_all(&b->request, 1, "bucket all_reduce");
  stats_.wait_seconds += seconds_since(wait_start);
  {
    autograd::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor& p = params_[i];
      Bucket& b = *buckets_[static_cast<size_t>(bucket_of_[i])];
      b.flat.storage().bump_version();
      Tensor avg = b.flat.narrow(0, offset_of_[i], p.numel()).view(p.shape());
      if (p.grad().defined()) {
        Tensor g = p.grad();
        g.copy_(avg);
      } else {
        p.set_grad(avg.clone());
      }
    }
  }
  for (size_t k = 0; k < buckets_.size(); ++k) {
    Bucket& b = *buckets_[k];
    std::fill(b.filled.begin(), b.filled.end(), 0);
    b.pending = static_cast<int64_t>(b.filled.size());
    b.launched = false;
  }
  next_launch_ = 0;
  active_ = false;
  ++stats_.steps;
  stats_.comm_seconds += seconds_since(start);
}

}  // namespace strata::dist
