// `strata rl`: a short training run writes its run folder and --eval plays the checkpoint; bad configs and
// options fail with one line naming the file, line and field.
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace strata::cli_test {
namespace {

class CliRl : public CliFixture {
 protected:
  // A small PPO config on CartPole with `extra` appended (YAML text) and the algorithm's own keys.
  void write_config(const std::string& name, const std::string& algorithm_extra = "",
                    const std::string& extra = "") const {
    write(name,
          "env: {id: CartPole-v1, num_envs: 2}\n"
          "algorithm:\n"
          "  name: ppo\n"
          "  n_steps: 64\n"
          "  batch_size: 64\n"
          "  n_epochs: 2\n" +
              algorithm_extra +
              "policy: {hidden: [16], activation: tanh}\n"
              "train: {total_steps: 512, seed: 3}\n"
              "eval: {episodes: 3}\n" +
              extra);
  }
};

TEST_F(CliRl, TrainsWritesTheRunFolderAndEvaluatesTheCheckpoint) {
  write_config("small.yaml");
  const CliResult r = run({"rl", "-c", "small.yaml", "--out", "run", "--steps", "256", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["algorithm"], "ppo");
  EXPECT_EQ(line["steps"], 256);
  EXPECT_EQ(line["episodes"], 3);
  for (const char* file :
       {"config.yaml", "metrics.csv", "episodes.csv", "curves.png", "checkpoint.safetensors"}) {
    EXPECT_TRUE(fs::exists(dir_ / "run" / file)) << file;
  }
  const auto metrics = lines_of(read_text(dir_ / "run" / "metrics.csv"));
  ASSERT_EQ(metrics.size(), 3u);  // header + 256 / (64 * 2) updates
  EXPECT_EQ(metrics[0].rfind("update,step,episodes,rolling_mean_return,seconds,", 0), 0u) << metrics[0];
  EXPECT_EQ(metrics[2].rfind("2,256,", 0), 0u) << metrics[2];
  const std::string resolved = read_text(dir_ / "run" / "config.yaml");
  EXPECT_NE(resolved.find("total_steps: 256"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("clip_range: 0.2"), std::string::npos) << resolved;  // defaults filled in

  // The resolved config reads back; --eval plays the saved policy, the same every time.
  const CliResult e = run({"rl", "--eval", "-c", "run/config.yaml", "--checkpoint",
                           "run/checkpoint.safetensors", "--episodes", "4"});
  ASSERT_EQ(e.code, 0) << e.err;
  const auto eval = nlohmann::json::parse(e.out);
  EXPECT_EQ(eval["episodes"], 4);
  for (const char* key : {"mean_return", "std_return", "min_return", "max_return"})
    EXPECT_TRUE(eval.contains(key));
  EXPECT_GE(eval["min_return"].get<double>(), 1.0);
  const CliResult again = run({"rl", "--eval", "-c", "run/config.yaml", "--checkpoint",
                               "run/checkpoint.safetensors", "--episodes", "4"});
  EXPECT_EQ(nlohmann::json::parse(again.out)["mean_return"], eval["mean_return"]);

  // Same seed, same weights: a second run writes the same checkpoint bytes.
  ASSERT_EQ(run({"rl", "-c", "small.yaml", "--out", "run2", "--steps", "256", "--no-progress"}).code, 0);
  EXPECT_EQ(read_text(dir_ / "run" / "checkpoint.safetensors"),
            read_text(dir_ / "run2" / "checkpoint.safetensors"));
}

TEST_F(CliRl, BadConfigsNameFileLineAndField) {
  write_config("typo.yaml", "  n_step: 8\n");
  expect_error(run({"rl", "-c", "typo.yaml"}),
               {"typo.yaml:7:", "unknown field 'algorithm.n_step'", "did you mean 'n_steps'"});
  write_config("range.yaml", "  gamma: 1.5\n");
  expect_error(run({"rl", "-c", "range.yaml"}), {"range.yaml:7:", "'gamma' must be in [0, 1]"});
  write_config("kind.yaml", "  ent_coef: lots\n");
  expect_error(run({"rl", "-c", "kind.yaml"}), {"kind.yaml:7:", "ent_coef", "lots"});
  write_config("section.yaml", "", "replay: {size: 10}\n");
  expect_error(run({"rl", "-c", "section.yaml"}), {"section.yaml:10:", "unknown field 'replay'"});
  write("env.yaml", "env: {id: CartPol-v1}\n");
  expect_error(run({"rl", "-c", "env.yaml"}),
               {"env.yaml:1:", "unknown environment 'CartPol-v1'", "CartPole-v1"});
  write("algo.yaml", "env: CartPole-v1\nalgorithm: {name: pppo}\n");
  expect_error(run({"rl", "-c", "algo.yaml"}),
               {"algo.yaml:2:", "unknown algorithm 'pppo'", "did you mean 'ppo'"});
  write("policy.yaml", "policy: {hidden: [64, 0]}\n");
  expect_error(run({"rl", "-c", "policy.yaml"}),
               {"policy.yaml:1:", "'policy.hidden' must hold positive sizes"});
  write("steps.yaml", "train: {total_steps: -5}\n");
  expect_error(run({"rl", "-c", "steps.yaml"}), {"steps.yaml:1:", "'train.total_steps' must be positive"});
  write("type.yaml", "env: {num_envs: two}\n");
  expect_error(run({"rl", "-c", "type.yaml"}),
               {"type.yaml:1:", "'env.num_envs' must be an integer, got 'two'"});
  write_config("ok.yaml");
  expect_error(run({"rl", "-c", "ok.yaml", "--set", "algorithm.clip_range=-1"}),
               {"--set algorithm.clip_range=-1", "'clip_range' must be positive"});
}

TEST_F(CliRl, BadOptionsAndCheckpoints) {
  write_config("ok.yaml");
  expect_error(run({"rl", "--eval", "-c", "ok.yaml"}), {"--eval needs --checkpoint"});
  expect_error(run({"rl", "-c", "missing.yaml"}), {"config file missing.yaml does not exist"});
  expect_error(run({"rl", "-c", "ok.yaml", "--steps", "0"}), {"--steps: must be positive, got 0"});
  expect_error(run({"rl", "-c", "ok.yaml", "--seed", "-3"}), {"--seed: must be >= 0, got -3"});
  expect_error(run({"rl", "-c", "ok.yaml", "--frobnicate"}), {"unknown option '--frobnicate'"});
  write("bad.safetensors", "not a checkpoint");
  expect_error(run({"rl", "--eval", "-c", "ok.yaml", "--checkpoint", "bad.safetensors"}),
               {"bad.safetensors"});
  expect_error(run({"rl", "-c", "ok.yaml", "--episodes", "3"}),
               {"--checkpoint and --episodes go with --eval"});
  // A checkpoint of another network does not load.
  ASSERT_EQ(run({"rl", "-c", "ok.yaml", "--out", "run", "--steps", "128", "--no-progress"}).code, 0);
  write("wide.yaml", "env: {id: CartPole-v1, num_envs: 2}\nalgorithm: ppo\npolicy: {hidden: [32]}\n");
  expect_error(run({"rl", "--eval", "-c", "wide.yaml", "--checkpoint", "run/checkpoint.safetensors"}),
               {"does not fit the ppo policy of wide.yaml", "actor.0.weight"});
  // Pendulum's Box actions with an algorithm built for them; CartPole's checkpoint does not fit it.
  write("pendulum.yaml", "env: {id: Pendulum-v1}\nalgorithm: {name: a2c}\npolicy: {hidden: [16]}\n");
  expect_error(run({"rl", "--eval", "-c", "pendulum.yaml", "--checkpoint", "run/checkpoint.safetensors"}),
               {"does not fit the a2c policy"});
}

}  // namespace
}  // namespace strata::cli_test
