// Acrobot-v1 trajectories against the reference implementation (tests/fixtures/rl_acrobot.safetensors).
#include "rl/trajectory_golden_util.h"
#include "strata/rl/acrobot.h"

namespace strata::rl {
namespace {

const std::string kFile = "rl_acrobot.safetensors";

TEST(AcrobotGolden, CoversEveryFixtureCase) {
  golden::expect_cases(kFile, {"pump", "random", "idle", "fast"});
  EXPECT_TRUE(golden::ends_terminated(kFile, "pump"));
  EXPECT_FALSE(golden::ends_terminated(kFile, "idle"));
}

TEST(AcrobotGolden, PumpSwingsUp) { golden::replay<Acrobot>(kFile, "pump"); }
TEST(AcrobotGolden, RandomUntilTheTimeLimit) { golden::replay<Acrobot>(kFile, "random"); }
TEST(AcrobotGolden, IdleUntilTheTimeLimit) { golden::replay<Acrobot>(kFile, "idle"); }
TEST(AcrobotGolden, FastWrapsAnglesAndBoundsVelocities) { golden::replay<Acrobot>(kFile, "fast"); }

}  // namespace
}  // namespace strata::rl
