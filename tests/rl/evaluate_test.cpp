// rl::evaluate plays whole episodes, each copy its share, and returns their returns.
#include "strata/rl/agent.h"
#include "test_util.h"

namespace strata::rl {
namespace {

// Always moves right: on GridWorld it walks to the top-right corner and waits there for the time limit.
class RightAgent : public Agent {
 public:
  std::string name() const override { return "right"; }
  void learn(VectorEnv&, int64_t, const LearnCallback&) override {}
  Tensor act(const Tensor& observations, bool) override {
    return full({observations.size(0)}, 2, {.dtype = kInt64});
  }
  nn::StateDict state_dict() const override { return {}; }
  void load_state_dict(const nn::StateDict&) override {}
};

TEST(Evaluate, PlaysEveryEpisodeToTheEnd) {
  RightAgent agent;
  const std::vector<double> returns = evaluate(agent, "GridWorld-v0", 13, 0);
  ASSERT_EQ(returns.size(), 13u);
  for (double r : returns) EXPECT_NEAR(r, -0.5, 1e-6);  // 50 steps at -0.01
  EXPECT_NE(
      testing::error_of([&] { evaluate(agent, "GridWorld-v0", 0, 0); }).find("episodes must be positive"),
      std::string::npos);
}

}  // namespace
}  // namespace strata::rl
