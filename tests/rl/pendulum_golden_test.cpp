// Pendulum-v1 trajectories against the reference implementation (tests/fixtures/rl_pendulum.safetensors).
#include "rl/trajectory_golden_util.h"
#include "strata/rl/pendulum.h"

namespace strata::rl {
namespace {

const std::string kFile = "rl_pendulum.safetensors";

TEST(PendulumGolden, CoversEveryFixtureCase) {
  golden::expect_cases(kFile, {"random", "spinning", "negative_angle"});
  EXPECT_FALSE(golden::ends_terminated(kFile, "random"));
}

TEST(PendulumGolden, RandomClippedTorques) { golden::replay<Pendulum>(kFile, "random"); }
TEST(PendulumGolden, SpinningAtTheSpeedLimit) { golden::replay<Pendulum>(kFile, "spinning"); }
TEST(PendulumGolden, NegativeAngle) { golden::replay<Pendulum>(kFile, "negative_angle"); }

}  // namespace
}  // namespace strata::rl
