#include "distributed.h"

#include <algorithm>
#include <thread>

#include "strata/core/threading.h"
#include "strata/dist/distributed_data_parallel.h"
#include "strata/dist/distributed_sampler.h"
#include "strata/dist/logs.h"
#include "strata/dist/process_group.h"

namespace strata::cli {

DistributedRun::DistributedRun(int threads, bool shuffle, uint64_t seed) : shuffle_(shuffle), seed_(seed) {
  if (!dist::launched_by_mpirun()) return;
  dist::init();
  on_ = true;
  rank_ = dist::rank();
  world_ = dist::world_size();
  if (threads <= 0) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    set_num_threads(std::max(1, cores / dist::local_world_size()));
  }
}

std::shared_ptr<const data::Sampler> DistributedRun::sampler(int64_t dataset_size) const {
  if (!on_) return nullptr;
  return std::make_shared<dist::DistributedSampler>(
      dataset_size, dist::DistributedSamplerOptions{.shuffle = shuffle_, .seed = seed_});
}

void DistributedRun::wrap(const std::shared_ptr<nn::Module>& model) {
  if (on_) ddp_ = dist::DistributedDataParallel(model);
}

std::function<void(train::Logs&)> DistributedRun::reduce_logs() const {
  if (!on_) return {};
  return [](train::Logs& logs) { dist::all_reduce_logs(logs); };
}

void DistributedRun::finish() {
  if (on_) dist::finalize();
}

}  // namespace strata::cli
