// Running mean and variance: batches folded in one by one equal the statistics of all the data at once.
#include "strata/rl/running_mean_std.h"

#include "test_util.h"

namespace strata::rl {
namespace {

TEST(RunningMeanStd, BatchesMatchTheWholeData) {
  Generator g(3);
  const Tensor data = (randn({37, 2}, {}, &g) * 3.0 + 1.5).contiguous();
  RunningMeanStd rms(2, 0.0);
  const float* p = data.data_ptr<float>();
  rms.update(p, 10);
  rms.update(p + 20, 20);
  rms.update(p + 60, 7);
  const std::vector<double> mean = data.to(kFloat64).mean(Shape{0}).to_vector<double>();
  const std::vector<double> var = ops::var(data.to(kFloat64), Shape{0}, false).to_vector<double>();
  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(rms.mean()[d], mean[d], 1e-9);
    EXPECT_NEAR(rms.var()[d], var[d], 1e-9);
  }
  EXPECT_DOUBLE_EQ(rms.count(), 37.0);
  std::vector<float> x = {static_cast<float>(mean[0]), 1e6f};
  rms.normalize(x.data(), 1, 10.0);
  EXPECT_NEAR(x[0], 0.0, 1e-5);
  EXPECT_EQ(x[1], 10.0f);  // clipped

  nn::StateDict state;
  rms.save(state, "obs_rms");
  RunningMeanStd other(2);
  other.load(state, "obs_rms");
  EXPECT_EQ(other.mean(), rms.mean());
  EXPECT_EQ(other.var(), rms.var());
  EXPECT_EQ(other.count(), rms.count());
  state.erase("obs_rms.var");
  EXPECT_NE(testing::error_of([&] { other.load(state, "obs_rms"); }).find("no entry 'obs_rms.var'"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::rl
