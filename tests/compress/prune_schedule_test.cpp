// Sparsity schedules: Zhu & Gupta's polynomial values, one-shot and gradual pruning in training, errors.
#include "strata/compress/prune_schedule.h"

#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train.h"
#include "test_util.h"

namespace strata::compress {
namespace {

TEST(PruneSchedule, PolynomialValues) {
  const PruningScheduleOptions o = polynomial(0.8, 10, 110, 10);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(o, 0), 0.0);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(o, 10), 0.0);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(o, 60), 0.8 - 0.8 * 0.125);       // (1 - 1/2)^3
  EXPECT_NEAR(scheduled_sparsity(o, 35), 0.8 - 0.8 * 0.421875, 1e-12);  // (1 - 1/4)^3
  EXPECT_DOUBLE_EQ(scheduled_sparsity(o, 110), 0.8);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(o, 500), 0.8);
  const PruningScheduleOptions from_half = polynomial(0.9, 0, 100, 1, 0.5);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(from_half, 0), 0.5);
  EXPECT_NEAR(scheduled_sparsity(from_half, 50), 0.9 - 0.4 * 0.125, 1e-12);
  // Monotone.
  double last = 0;
  for (int64_t t = 0; t <= 120; ++t) {
    const double s = scheduled_sparsity(o, t);
    EXPECT_GE(s, last);
    last = s;
  }
  const PruningScheduleOptions once = one_shot(0.6, false, 5);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(once, 4), 0.0);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(once, 5), 0.6);
  EXPECT_FALSE(once.global);
}

std::shared_ptr<data::TensorDataset> noise(int64_t n) {
  Generator g(5);
  return std::make_shared<data::TensorDataset>(randn({n, 4}, {}, &g),
                                               randint(0, 2, {n}, {.dtype = kInt64}, &g));
}

// Records the masks' sparsity after every batch.
class Watch : public train::Callback {
 public:
  explicit Watch(std::shared_ptr<PruningMasks> masks) : masks_(std::move(masks)) {}
  void on_batch_end(train::Trainer&, int64_t, const train::Logs&) override {
    seen.push_back(masks_->sparsity());
  }
  std::vector<double> seen;

 private:
  std::shared_ptr<PruningMasks> masks_;
};

TEST(PruneSchedule, GradualPruningFollowsTheSchedule) {
  manual_seed(3);
  nn::Sequential net(nn::Linear(4, 50), nn::ReLU(), nn::Linear(50, 2));  // 300 prunable weights
  auto masks = std::make_shared<PruningMasks>(PruningMasks::for_model(*net));
  const PruningScheduleOptions o = polynomial(0.9, 2, 12, 2);
  auto schedule = std::make_shared<PruningSchedule>(masks, o);
  auto watch = std::make_shared<Watch>(masks);
  train::Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.05}), nn::CrossEntropyLoss());
  data::DataLoader loader(noise(80), {.batch_size = 10});  // 8 steps an epoch
  trainer.fit(loader, {.epochs = 2, .callbacks = {schedule, watch}, .progress = false});
  ASSERT_EQ(watch->seen.size(), 16u);
  // Pruned at steps 2, 4, ..., 12 to the schedule's value (rounded to whole entries); held in between.
  for (int64_t step = 1; step <= 16; ++step) {
    const int64_t last_prune = step < 2 ? -1 : std::min<int64_t>(12, step - step % 2);
    const double want = last_prune < 0 ? 0.0 : std::round(scheduled_sparsity(o, last_prune) * 300) / 300;
    EXPECT_NEAR(watch->seen[step - 1], want, 1e-9) << "step " << step;
  }
  EXPECT_NEAR(masks->sparsity(), 0.9, 1e-9);
}

TEST(PruneSchedule, RejectsBadOptions) {
  EXPECT_ERROR_CONTAINS(one_shot(1.2), "final_sparsity must be in [0, 1], got 1.2");
  EXPECT_ERROR_CONTAINS(polynomial(0.5, 10, 5), "begin_step <= end_step", "begin_step 10 and end_step 5");
  EXPECT_ERROR_CONTAINS(polynomial(0.5, 0, 10, 0), "frequency must be positive");
  EXPECT_ERROR_CONTAINS(polynomial(0.5, 0, 10, 1, 0.7), "initial_sparsity must be in [0, final_sparsity");
  EXPECT_ERROR_CONTAINS(PruningSchedule(nullptr, one_shot(0.5)), "no masks");
}

}  // namespace
}  // namespace strata::compress
