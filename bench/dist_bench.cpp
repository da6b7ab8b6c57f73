// Data-parallel scaling on this machine (loopback): a training step (zero_grad, forward, loss, backward with
// DDP's bucketed all-reduce, Adam step) at a fixed global batch, as one process or as N ranks under mpirun,
// reporting the median step time and the time spent communicating; and ZeRO-1's optimiser memory per rank.
//
//   dist_bench --model lenet|w3 --global-batch B [--steps S] [--warmup W] [--threads T] [--bucket-mb M]
//   mpirun -np N dist_bench ...            (each rank takes B / N of the batch)
//   mpirun -np N dist_bench --zero-memory [--zero 0|1]   (peak RSS and optimiser state per rank)
//
// One JSON line per run from rank 0.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "strata/dist/collectives.h"
#include "strata/dist/distributed_data_parallel.h"
#include "strata/dist/process_group.h"
#include "strata/dist/zero_redundancy_optimizer.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"

using namespace strata;

namespace {

using Clock = std::chrono::steady_clock;

nn::Sequential w3_net() {
  return nn::Sequential(nn::Conv2d(1, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(),
                        nn::Conv2d(32, 64, 3, {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Conv2d(64, 128, 3, {.padding = 1}), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Flatten(), nn::Linear(6272, 256), nn::ReLU(), nn::Dropout(0.25),
                        nn::Linear(256, 10));
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

int run_scaling(const std::string& name, int64_t global_batch, int steps, int warmup, double bucket_mb) {
  const int n = dist::world_size();
  manual_seed(0);
  std::shared_ptr<nn::Module> net = name == "w3" ? w3_net().ptr() : models::lenet5().ptr();
  std::shared_ptr<dist::DistributedDataParallelImpl> ddp;
  if (n > 1) ddp = dist::DistributedDataParallel(net, {.bucket_cap_mb = bucket_mb}).ptr();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  const int64_t batch = global_batch / n;
  Generator g(static_cast<uint64_t>(1 + dist::rank()));
  std::vector<Tensor> xs, ys;
  for (int i = 0; i < 4; ++i) {
    xs.push_back(randn({batch, 1, 28, 28}, {}, &g));
    ys.push_back(randint(0, 10, {batch}, {.dtype = kInt64}, &g));
  }
  std::vector<double> ms;
  for (int step = 0; step < warmup + steps; ++step) {
    if (step == warmup && ddp) ddp->reset_stats();
    const auto start = Clock::now();
    opt.zero_grad();
    const Tensor& x = xs[static_cast<size_t>(step % 4)];
    Tensor out = ddp ? (*ddp)(x) : (*net)(x);
    ops::cross_entropy(out, ys[static_cast<size_t>(step % 4)]).backward();
    opt.step();
    if (step >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  if (dist::rank() == 0) {
    const double steps_d = static_cast<double>(steps);
    std::printf(
        "{\"name\": \"DIST %s %dx%d\", \"ranks\": %d, \"threads\": %d, \"global_batch\": %lld, "
        "\"ms_per_step\": "
        "%.2f, \"p10\": %.2f, \"p90\": %.2f, \"comm_wait_ms\": %.2f, \"comm_ms\": %.2f, \"bytes_per_step\": "
        "%lld, "
        "\"buckets\": %zu}\n",
        name.c_str(), n, get_num_threads(), n, get_num_threads(), static_cast<long long>(global_batch),
        ms[ms.size() / 2], ms[ms.size() / 10], ms[ms.size() * 9 / 10],
        ddp ? ddp->stats().wait_seconds * 1e3 / steps_d : 0.0,
        ddp ? ddp->stats().comm_seconds * 1e3 / steps_d : 0.0,
        static_cast<long long>(ddp ? ddp->stats().bytes_reduced / steps : 0),
        ddp ? ddp->bucket_indices().size() : size_t{0});
  }
  return 0;
}

// An MLP of eight 1024 x 1024 layers (8.4 M parameters: Adam's moments 67 MB in f32, shared out evenly among
// 1, 2, 4 or 8 ranks), a few steps with Adam or ZeRO-1 Adam.
int run_zero_memory(bool zero) {
  manual_seed(0);
  auto seq = nn::Sequential();
  for (int i = 0; i < 8; ++i) {
    seq->push_back(nn::Linear(1024, 1024));
    seq->push_back(nn::ReLU());
  }
  std::shared_ptr<nn::Module> net = seq.ptr();
  std::shared_ptr<dist::DistributedDataParallelImpl> ddp = dist::DistributedDataParallel(net).ptr();
  auto adam = [](std::vector<Tensor> p) {
    return std::make_shared<optim::Adam>(std::move(p), optim::AdamOptions{.lr = 1e-4});
  };
  std::shared_ptr<optim::Optimizer> opt;
  if (zero) {
    opt = std::make_shared<dist::ZeroRedundancyOptimizer>(net->parameters(), adam);
  } else {
    opt = adam(net->parameters());
  }
  Generator g(static_cast<uint64_t>(1 + dist::rank()));
  const double before = peak_rss_mb();
  for (int step = 0; step < 3; ++step) {
    opt->zero_grad();
    Tensor x = randn({16, 1024}, {}, &g);
    ops::mse_loss((*ddp)(x), x).backward();
    opt->step();
  }
  int64_t state = 0;
  for (const auto& [k, t] : opt->state_dict()) {
    if (k.rfind("state.", 0) == 0) state += t.numel() * static_cast<int64_t>(t.element_size());
  }
  Tensor stats = from_vector<double>({static_cast<double>(state) / 1e6, peak_rss_mb(), before});
  Tensor max = stats.clone();
  dist::all_reduce(max, dist::ReduceOp::Max);
  if (dist::rank() == 0) {
    std::printf(
        "{\"name\": \"DIST zero-memory %s np%d\", \"ranks\": %d, \"parameters_m\": %.2f, "
        "\"optimizer_state_mb\": "
        "%.1f, \"peak_rss_mb\": %.1f, \"rss_before_training_mb\": %.1f}\n",
        zero ? "zero1" : "adam", dist::world_size(), dist::world_size(),
        static_cast<double>(net->num_parameters()) / 1e6, max.to_vector<double>()[0],
        max.to_vector<double>()[1], max.to_vector<double>()[2]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "lenet";
  int64_t global_batch = 64;
  int steps = 30, warmup = 5, threads = 0, zero = 1;
  bool zero_memory = false;
  double bucket_mb = 25.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--model")
      model = next();
    else if (a == "--global-batch")
      global_batch = std::stoll(next());
    else if (a == "--steps")
      steps = std::stoi(next());
    else if (a == "--warmup")
      warmup = std::stoi(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--zero-memory")
      zero_memory = true;
    else if (a == "--zero")
      zero = std::stoi(next());
    else if (a == "--bucket-mb")
      bucket_mb = std::stod(next());
    else {
      std::fprintf(stderr, "dist_bench: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (threads > 0) set_num_threads(threads);
  dist::init();
  const int rc =
      zero_memory ? run_zero_memory(zero != 0) : run_scaling(model, global_batch, steps, warmup, bucket_mb);
  dist::finalize();
  return rc;
}
