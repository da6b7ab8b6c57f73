// `strata prune` and the distill config section as a user runs them, on small slices of Fashion-MNIST.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "strata/io/model_state.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

class CliCompress : public CliFixture {
 protected:
  // LeNet-5 trained for one epoch on 3000 images into runs/lenet.
  void train_lenet() {
    const CliResult r =
        run({"train", "-c", lenet(), "--out", "runs/lenet", "--epochs", "1", "--set", "data.limit=3000",
             "--set", "data.test_limit=1000", "--threads", "1", "--no-progress"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static std::string lenet() { return (configs_dir() / "fashion_lenet.yaml").string(); }
  std::vector<std::string> prune_args(std::vector<std::string> extra) const {
    std::vector<std::string> args{"prune",
                                  "-c",
                                  lenet(),
                                  "--checkpoint",
                                  "runs/lenet/best.safetensors",
                                  "--set",
                                  "data.limit=3000",
                                  "--set",
                                  "data.test_limit=1000",
                                  "--threads",
                                  "1",
                                  "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

TEST_F(CliCompress, PrunesGloballyFineTunesAndStructured) {
  train_lenet();
  const CliResult r =
      run(prune_args({"--sparsity", "0.8", "--global", "--fine-tune-epochs", "1", "--out", "p.safetensors"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(j["mode"], "global");
  EXPECT_NEAR(j["weight_sparsity"].get<double>(), 0.8, 1e-3);
  EXPECT_GT(j["accuracy_fine_tuned"].get<double>(), 0.65) << r.out;
  EXPECT_NE(r.err.find("total"), std::string::npos) << r.err;
  const nn::StateDict pruned = io::load_model_state((dir_ / "p.safetensors").string());
  // The pruned weights load into the config's model and evaluate.
  const CliResult e = run({"eval", "-c", lenet(), "--checkpoint", "p.safetensors", "--set",
                           "data.test_limit=1000", "--out", "report"});
  ASSERT_EQ(e.code, 0) << e.err;

  const CliResult s = run(prune_args({"--sparsity", "0.5", "--structured", "--out", "s.safetensors"}));
  ASSERT_EQ(s.code, 0) << s.err;
  const nlohmann::json js = nlohmann::json::parse(lines_of(s.out).at(0));
  EXPECT_EQ(js["mode"], "structured");
  EXPECT_LT(js["parameters_after"].get<int64_t>(), js["parameters_before"].get<int64_t>());
  EXPECT_LT(js["macs_after"].get<int64_t>(), js["macs_before"].get<int64_t>() * 6 / 10);
  // 6 -> 3 channels rounded up to 4 (the default --round-to), 16 -> 8.
  EXPECT_EQ(io::load_model_state((dir_ / "s.safetensors").string()).at("0.weight").shape(),
            (Shape{4, 1, 5, 5}));
  EXPECT_GT(js["cpu_ms_per_batch_after"].get<double>(), 0.0);

  const CliResult g = run(prune_args(
      {"--sparsity", "0.6", "--schedule", "gradual", "--fine-tune-epochs", "1", "--out", "g.safetensors"}));
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_NEAR(nlohmann::json::parse(lines_of(g.out).at(0))["weight_sparsity"].get<double>(), 0.6, 1e-3);
}

// The prune section of a training config: gradual magnitude pruning held through training, and channels.
TEST_F(CliCompress, TrainsWithAPruneSection) {
  const std::string pruned = (configs_dir() / "fashion_lenet_pruned.yaml").string();
  const CliResult r = run({"train",
                           "-c",
                           pruned,
                           "--out",
                           "g",
                           "--epochs",
                           "1",
                           "--set",
                           "data.limit=3000",
                           "--set",
                           "data.test_limit=1000",
                           "--set",
                           "prune.begin_step=5",
                           "--set",
                           "prune.end_step=30",
                           "--set",
                           "prune.frequency=5",
                           "--threads",
                           "1",
                           "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_NEAR(j["weight_sparsity"].get<double>(), 0.8, 1e-3) << r.out;
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.6) << r.out;
  EXPECT_NE(r.err.find("pruning (global) to sparsity 0.8 (polynomial schedule), 5 weights"),
            std::string::npos)
      << r.err;
  // The checkpoint holds the zeros.
  const nn::StateDict last = io::load_model_state((dir_ / "g/last.safetensors").string());
  int64_t zeros = 0, total = 0;
  for (const char* name : {"0.weight", "3.weight", "7.weight", "9.weight", "11.weight"}) {
    for (float v : last.at(name).to_vector<float>()) zeros += v == 0.0f;
    total += last.at(name).numel();
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(total), 0.8, 1e-3);

  // Channels, from the run's own config: eval rebuilds the smaller network.
  const CliResult c = run({"train", "-c", lenet(), "--out", "c", "--epochs", "1", "--set", "data.limit=3000",
                           "--set", "data.test_limit=1000", "--set",
                           "prune={method: channels, sparsity: 0.5}", "--threads", "1", "--no-progress"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("pruned conv 0: 6 -> 4 channels"), std::string::npos) << c.err;
  EXPECT_EQ(io::load_model_state((dir_ / "c/best.safetensors").string()).at("3.weight").shape(),
            (Shape{8, 4, 5, 5}));
  const CliResult e = run({"eval", "-c", "c/config.yaml", "--checkpoint", "c/best.safetensors", "--set",
                           "data.test_limit=1000", "--out", "report"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_GT(nlohmann::json::parse(lines_of(e.out).at(0))["test_accuracy"].get<double>(), 0.6) << e.out;
}

TEST_F(CliCompress, DistillsAStudentFromATeacher) {
  train_lenet();
  const std::string student = (configs_dir() / "fashion_distill_student.yaml").string();
  const CliResult r =
      run({"train", "-c", student, "--out", "student", "--epochs", "1", "--set", "data.limit=3000", "--set",
           "data.test_limit=1000", "--set", "distill.teacher_config=" + lenet(), "--set",
           "distill.teacher_checkpoint=runs/lenet/best.safetensors", "--threads", "1", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("distilling from runs/lenet/best.safetensors"), std::string::npos) << r.err;
  EXPECT_GT(nlohmann::json::parse(lines_of(r.out).at(0))["test_accuracy"].get<double>(), 0.65) << r.out;
  EXPECT_NE(read_text(dir_ / "student/config.yaml").find("teacher_checkpoint"), std::string::npos);
}

TEST_F(CliCompress, RejectsBadArguments) {
  write("w.safetensors", "not a safetensors file");
  expect_error(run({"prune", "-c", lenet(), "--checkpoint", "w.safetensors", "--structured", "--global",
                    "--out", "o"}),
               {"--global", "--structured"});
  expect_error(
      run({"prune", "-c", lenet(), "--checkpoint", "w.safetensors", "--schedule", "gradual", "--out", "o"}),
      {"--schedule gradual", "--fine-tune-epochs"});
  expect_error(
      run({"prune", "-c", lenet(), "--checkpoint", "w.safetensors", "--sparsity", "1.5", "--out", "o"}),
      {"--sparsity"});
  expect_error(run({"prune", "-c", lenet(), "--checkpoint", "missing.safetensors", "--out", "o"}),
               {"--checkpoint"});
  const std::string student = (configs_dir() / "fashion_distill_student.yaml").string();
  expect_error(run({"train", "-c", student, "--set", "distill.alpha=2"}),
               {"distill.alpha", "must be in [0, 1]"});
  expect_error(run({"train", "-c", student, "--set", "distill.temperature=0"}), {"distill.temperature"});
  expect_error(
      run({"train", "-c", student, "--set", "distill.teacher_config=nope.yaml", "--set", "data.limit=100"}),
      {"the teacher's config nope.yaml does not exist"});
  // prune: errors name the file, line and field.
  write("p.yaml",
        "model: lenet5\n"
        "prune:\n"
        "  method: channels\n"
        "  sparsity: 1\n");
  expect_error(run({"train", "-c", "p.yaml"}),
               {"p.yaml:4:", "field 'prune.sparsity' must be in [0, 1) for method 'channels', got 1"});
  write("q.yaml",
        "model: lenet5\n"
        "prune:\n"
        "  method: global\n"
        "  end_step: 10\n");
  expect_error(run({"train", "-c", "q.yaml"}),
               {"q.yaml:4:", "field 'prune.end_step' applies to schedule polynomial, not 'one_shot'"});
  expect_error(run({"train", "-c", lenet(), "--set", "prune.method=magic"}),
               {"--set prune.method=magic", "must be global, layer or channels, got 'magic'"});
  expect_error(run({"train", "-c", lenet(), "--set", "prune={method: channels, schedule: polynomial}"}),
               {"method channels removes channels once, before training"});
  expect_error(run({"train", "-c", lenet(), "--set", "prune={method: layer, layers: [conv1]}", "--set",
                    "data.limit=100"}),
               {"no prunable layer is called 'conv1' (the Linear and Conv layers: 0, 3, 7, 9, 11)"});
}

}  // namespace
}  // namespace strata::cli_test
