// CartPole-v1 trajectories against the reference implementation (tests/fixtures/rl_cartpole.safetensors).
#include "rl/trajectory_golden_util.h"
#include "strata/rl/cartpole.h"

namespace strata::rl {
namespace {

const std::string kFile = "rl_cartpole.safetensors";

TEST(CartPoleGolden, CoversEveryFixtureCase) {
  golden::expect_cases(kFile, {"push_right", "random", "balanced", "outside"});
  // Both ways an episode ends are covered.
  EXPECT_TRUE(golden::ends_terminated(kFile, "push_right"));
  EXPECT_FALSE(golden::ends_terminated(kFile, "balanced"));
}

TEST(CartPoleGolden, PushRight) { golden::replay<CartPole>(kFile, "push_right"); }
TEST(CartPoleGolden, Random) { golden::replay<CartPole>(kFile, "random"); }
TEST(CartPoleGolden, BalancedUntilTheTimeLimit) { golden::replay<CartPole>(kFile, "balanced"); }
TEST(CartPoleGolden, StartOutsideTerminatesAtOnce) { golden::replay<CartPole>(kFile, "outside"); }

}  // namespace
}  // namespace strata::rl
