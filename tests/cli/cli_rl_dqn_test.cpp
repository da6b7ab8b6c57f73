// `strata rl` with configs/cartpole_dqn.yaml as a user runs it: a short training run (progress CSVs,
// checkpoint, evaluation), `--eval` on the checkpoint it wrote, and DQN's bad options as one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

class CliRlDqnTest : public CliFixture {
 protected:
  std::string config() const { return (configs_dir() / "cartpole_dqn.yaml").string(); }
};

TEST_F(CliRlDqnTest, TrainsSavesAndEvaluates) {
  const CliResult train =
      run({"rl", "-c", config(), "--steps", "3000", "--set", "algorithm.learning_starts=500", "--set",
           "eval.episodes=5", "--out", "run", "--threads", "1", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const auto result = nlohmann::json::parse(train.out);
  EXPECT_EQ(result["algorithm"], "dqn");
  EXPECT_EQ(result["steps"], 3000);
  EXPECT_EQ(result["episodes"], 5);
  EXPECT_TRUE(fs::exists(dir_ / "run" / "checkpoint.safetensors"));
  const std::vector<std::string> metrics = lines_of(read_text(dir_ / "run" / "metrics.csv"));
  ASSERT_GT(metrics.size(), 2u);
  EXPECT_EQ(metrics[0], "update,step,episodes,rolling_mean_return,seconds,epsilon,q_loss");
  EXPECT_NE(metrics.back().find("3000,"), std::string::npos) << metrics.back();
  EXPECT_EQ(metrics.back().find("null"), std::string::npos) << metrics.back();  // q_loss once training runs

  // The saved greedy policy plays the same evaluation episodes to the same returns.
  const CliResult eval = run({"rl", "--eval", "-c", config(), "--checkpoint", "run/checkpoint.safetensors",
                              "--episodes", "5", "--threads", "1"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_EQ(nlohmann::json::parse(eval.out)["mean_return"], result["mean_return"]);
}

TEST_F(CliRlDqnTest, RejectsBadOptions) {
  expect_error(run({"rl", "-c", config(), "--set", "algorithm.tau=0", "--no-progress"}), {"tau"});
  expect_error(run({"rl", "-c", config(), "--set", "algorithm.loss=l2", "--no-progress"}), {"loss", "l2"});
  expect_error(run({"rl", "-c", config(), "--set", "algorithm.n_steps=5", "--no-progress"}), {"n_steps"});
  expect_error(run({"rl", "-c", config(), "--set", "env.id=Pendulum-v1", "--no-progress"}),
               {"dqn", "action space"});
}

}  // namespace
}  // namespace strata::cli_test
