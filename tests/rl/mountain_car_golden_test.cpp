// MountainCar-v0 trajectories against the reference implementation
// (tests/fixtures/rl_mountain_car.safetensors).
#include "rl/trajectory_golden_util.h"
#include "strata/rl/mountain_car.h"

namespace strata::rl {
namespace {

const std::string kFile = "rl_mountain_car.safetensors";

TEST(MountainCarGolden, CoversEveryFixtureCase) {
  golden::expect_cases(kFile, {"pump", "random", "left_wall"});
  EXPECT_TRUE(golden::ends_terminated(kFile, "pump"));
  EXPECT_FALSE(golden::ends_terminated(kFile, "random"));
}

TEST(MountainCarGolden, PumpReachesTheFlag) { golden::replay<MountainCar>(kFile, "pump"); }
TEST(MountainCarGolden, RandomUntilTheTimeLimit) { golden::replay<MountainCar>(kFile, "random"); }
TEST(MountainCarGolden, LeftWallStopsTheCar) { golden::replay<MountainCar>(kFile, "left_wall"); }

}  // namespace
}  // namespace strata::rl
