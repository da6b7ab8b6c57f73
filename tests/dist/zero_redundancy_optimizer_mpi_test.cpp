// ZeroRedundancyOptimizer under mpirun: DDP with sharded Adam reaches the weights of DDP with plain Adam,
// while each rank keeps only its shard of the moments (about 1/N of them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/autograd/grad_mode.h"
#include "strata/dist/collectives.h"
#include "strata/dist/distributed_data_parallel.h"
#include "strata/dist/process_group.h"
#include "strata/dist/zero_redundancy_optimizer.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata {
namespace {

std::shared_ptr<nn::Module> model() {
  manual_seed(3);
  // Several layers of similar size, so that whole tensors can be shared out evenly among 2 or 3 ranks.
  std::shared_ptr<nn::Module> net =
      nn::Sequential(nn::Linear(8, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(), nn::Linear(32, 32),
                     nn::Tanh(), nn::Linear(32, 32), nn::Tanh(), nn::Linear(32, 4))
          .ptr();
  net->to(kFloat64);
  return net;
}

std::shared_ptr<optim::Optimizer> adam(std::vector<Tensor> params) {
  return std::make_shared<optim::Adam>(std::move(params), optim::AdamOptions{.lr = 1e-2});
}

// 10 steps of DDP on rank-dependent data; returns the final parameters.
std::vector<Tensor> train(bool sharded, int64_t* state_bytes) {
  auto net = model();
  dist::DistributedDataParallel ddp(net);
  std::shared_ptr<optim::Optimizer> opt;
  std::shared_ptr<dist::ZeroRedundancyOptimizer> zero;
  if (sharded) {
    zero = std::make_shared<dist::ZeroRedundancyOptimizer>(net->parameters(), adam);
    opt = zero;
  } else {
    opt = adam(net->parameters());
  }
  Generator g(static_cast<uint64_t>(10 + dist::rank()));
  for (int step = 0; step < 10; ++step) {
    Tensor x = randn({5, 8}, {.dtype = kFloat64}, &g);
    Tensor y = randn({5, 4}, {.dtype = kFloat64}, &g);
    opt->zero_grad();
    ops::mse_loss(ddp(x), y).backward();
    opt->step();
  }
  if (state_bytes) {
    *state_bytes = 0;
    for (const auto& [name, t] : opt->state_dict()) {
      if (name.rfind("state.", 0) == 0) *state_bytes += t.numel() * static_cast<int64_t>(t.element_size());
    }
    if (zero) {
      EXPECT_EQ(*state_bytes, zero->local_state_bytes());
    }
  }
  return net->parameters();
}

TEST(ZeroRedundancyOptimizer, MatchesAdamWithAFractionOfTheState) {
  int64_t full_bytes = 0, shard_bytes = 0;
  const std::vector<Tensor> plain = train(false, &full_bytes);
  const std::vector<Tensor> sharded = train(true, &shard_bytes);
  ASSERT_EQ(plain.size(), sharded.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(allclose(plain[i], sharded[i], 1e-10, 1e-12)) << "parameter " << i;
  }
  // The shards partition the moments: together they are the full state, each well under it.
  Tensor total = scalar_tensor(static_cast<double>(shard_bytes), {.dtype = kInt64});
  dist::all_reduce(total);
  EXPECT_EQ(total.item(), static_cast<double>(full_bytes));
  EXPECT_LT(shard_bytes, full_bytes * 3 / (2 * dist::world_size()) + 1);
}

// Steps of DDP with `opt` on rank-dependent data drawn from `g`.
void steps(nn::Module& net, optim::Optimizer& opt, Generator& g, int count) {
  dist::DistributedDataParallel ddp(std::shared_ptr<nn::Module>(&net, [](nn::Module*) {}));
  for (int step = 0; step < count; ++step) {
    Tensor x = randn({5, 8}, {.dtype = kFloat64}, &g);
    Tensor y = randn({5, 4}, {.dtype = kFloat64}, &g);
    opt.zero_grad();
    ops::mse_loss(ddp(x), y).backward();
    opt.step();
  }
}

// The consolidated state is plain Adam's state dict; loaded into a new sharded optimiser, or into plain Adam
// (the one-rank case: any number of ranks resumes it), training continues exactly as plain Adam does.
TEST(ZeroRedundancyOptimizer, ConsolidatedStateResumesWithAnyPartition) {
  auto plain_net = model();
  auto plain = adam(plain_net->parameters());
  Generator gp(static_cast<uint64_t>(20 + dist::rank()));
  steps(*plain_net, *plain, gp, 6);
  const optim::StateDict expected = plain->state_dict();

  auto net = model();
  dist::ZeroRedundancyOptimizer zero(net->parameters(), adam);
  Generator gz(static_cast<uint64_t>(20 + dist::rank()));
  steps(*net, zero, gz, 6);
  const optim::StateDict on_root = zero.consolidated_state_dict(0);
  if (dist::rank() == 0) {
    ASSERT_EQ(on_root.size(), expected.size());
    for (const auto& [key, t] : expected) {
      ASSERT_TRUE(on_root.count(key)) << key;
      EXPECT_TRUE(allclose(on_root.at(key).to(kFloat64), t.to(kFloat64), 1e-10, 1e-12)) << key;
    }
  } else {
    EXPECT_TRUE(on_root.empty());
  }
  const optim::StateDict everywhere = zero.consolidated_state_dict(-1);
  EXPECT_EQ(everywhere.size(), expected.size());

  // Continue 4 steps three ways from the same weights: plain Adam, a fresh sharded optimiser loaded from the
  // consolidated state, and plain Adam loaded from it.
  steps(*plain_net, *plain, gp, 4);
  for (bool sharded : {true, false}) {
    auto resumed = model();
    {
      autograd::NoGradGuard no_grad;
      for (size_t i = 0; i < resumed->parameters().size(); ++i) {
        Tensor p = resumed->parameters()[i];
        p.copy_(net->parameters()[i]);
      }
    }
    std::shared_ptr<optim::Optimizer> opt;
    if (sharded) {
      auto z = std::make_shared<dist::ZeroRedundancyOptimizer>(resumed->parameters(), adam);
      z->load_consolidated_state_dict(everywhere);
      opt = z;
    } else {
      opt = adam(resumed->parameters());
      opt->load_state_dict(everywhere);
    }
    // The data the sharded run would draw next: the same seed, past its first 6 steps.
    Generator g(static_cast<uint64_t>(20 + dist::rank()));
    for (int step = 0; step < 6; ++step) {
      randn({5, 8}, {.dtype = kFloat64}, &g);
      randn({5, 4}, {.dtype = kFloat64}, &g);
    }
    steps(*resumed, *opt, g, 4);
    for (size_t i = 0; i < resumed->parameters().size(); ++i) {
      EXPECT_TRUE(allclose(resumed->parameters()[i], plain_net->parameters()[i], 1e-10, 1e-12))
          << (sharded ? "sharded" : "plain") << " parameter " << i;
    }
  }
  EXPECT_THAT(testing::error_of([&] {
                dist::ZeroRedundancyOptimizer other({zeros({2}, {.dtype = kFloat64}).requires_grad_()}, adam);
                other.load_consolidated_state_dict(everywhere);
              }),
              ::testing::HasSubstr("the state holds 10 parameters, the optimiser 1"));
}

TEST(ZeroRedundancyOptimizer, PartitionIsBalancedAndAgreed) {
  auto net = model();
  dist::ZeroRedundancyOptimizer zero(net->parameters(), adam);
  Tensor owners = from_vector<int64_t>(std::vector<int64_t>(zero.owners().begin(), zero.owners().end()));
  Tensor max = owners.clone();
  dist::all_reduce(max, dist::ReduceOp::Max);
  EXPECT_TRUE(equal(max, owners));  // the same partition on every rank
  EXPECT_DOUBLE_EQ(zero.lr(), 1e-2);
  zero.set_lr(5e-3);
  EXPECT_DOUBLE_EQ(zero.lr(), 5e-3);
}

TEST(ZeroRedundancyOptimizer, BadInput) {
  EXPECT_THAT(testing::error_of([] { dist::ZeroRedundancyOptimizer({}, adam); }),
              ::testing::HasSubstr("no parameters"));
  std::vector<Tensor> mixed{zeros({2}).requires_grad_(), zeros({2}, {.dtype = kFloat64}).requires_grad_()};
  EXPECT_THAT(testing::error_of([&] { dist::ZeroRedundancyOptimizer(mixed, adam); }),
              ::testing::HasSubstr("all f32 or all f64"));
}

}  // namespace
}  // namespace strata
