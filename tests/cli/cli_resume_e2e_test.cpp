// Runs that survive interruption: `strata train` split in two by --resume ends bit-identical to one run,
// SIGINT stops a run with a checkpoint and a hint, and SIGKILL at random moments (checkpoint writes
// included) always leaves a loadable checkpoint that --resume carries to the end.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "cli_util.h"
#include "strata/io/safetensors.h"
#include "strata/train/trainer.h"

namespace strata::cli_test {
namespace {

// A small conv net on a slice of Fashion-MNIST, a fraction of a second per epoch; no scheduler, so the
// epoch count of a run does not change its steps.
constexpr const char* kConfig = R"(name: tiny
data:
  batch_size: 32
  limit: 600
  test_limit: 200
model:
  layers:
    - conv2d: {in: 1, out: 4, kernel: 3, padding: 1}
    - relu
    - maxpool2d: 2
    - dropout: 0.1
    - flatten
    - linear: {in: 784, out: 10}
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 4
  seed: 1
  threads: 1
  early_stopping: {patience: 2, min_delta: 0.01}
)";

class ResumeCli : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("tiny.yaml", kConfig);
  }

  // Starts `strata args...` in the test's folder without waiting (outputs in bg_stdout.txt / bg_stderr.txt).
  pid_t spawn(const std::vector<std::string>& args) const {
    const pid_t pid = fork();
    if (pid == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(127);
      if (!freopen("bg_stdout.txt", "w", stdout) || !freopen("bg_stderr.txt", "w", stderr)) _exit(127);
      std::vector<char*> argv{const_cast<char*>(STRATA_CLI_PATH)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(STRATA_CLI_PATH, argv.data());
      _exit(127);
    }
    return pid;
  }

  // Epoch rows in `run`/metrics.csv (0 when absent).
  size_t epochs_logged(const std::string& run) const {
    const auto lines = lines_of(read_text(dir_ / run / "metrics.csv"));
    return lines.empty() ? 0 : lines.size() - 1;
  }
};

// metrics.csv without its wall-time column.
std::vector<std::string> csv_without_seconds(const std::string& text) {
  std::vector<std::string> out;
  int seconds = -1;
  for (const std::string& line : lines_of(text)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (seconds < 0) {
      for (size_t i = 0; i < cells.size(); ++i)
        if (cells[i] == "seconds") seconds = static_cast<int>(i);
    }
    std::string kept;
    for (size_t i = 0; i < cells.size(); ++i)
      if (static_cast<int>(i) != seconds) kept += cells[i] + ",";
    out.push_back(kept);
  }
  return out;
}

void expect_same_model(const fs::path& a, const fs::path& b) {
  const io::SafetensorsFile fa = io::read_safetensors(a.string()), fb = io::read_safetensors(b.string());
  size_t compared = 0;
  for (const auto& [name, t] : fa.tensors) {
    if (name.rfind("model.", 0) != 0 && name.rfind("optimizer.", 0) != 0) continue;
    ASSERT_TRUE(fb.tensors.count(name)) << name;
    EXPECT_TRUE(equal(t, fb.tensors.at(name))) << name << " differs between " << a << " and " << b;
    ++compared;
  }
  EXPECT_GT(compared, 4u);
}

// The JSON line without its "seconds" entry.
std::string without_seconds(std::string json) {
  const size_t at = json.find(", \"seconds\"");
  if (at != std::string::npos) json.erase(at, json.find_first_of(",}", at + 2) - at);
  return json;
}

TEST_F(ResumeCli, SplitRunEqualsOneRunBitForBit) {
  const CliResult whole = run({"train", "-c", "tiny.yaml", "--no-progress", "--out", "whole"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  const CliResult half =
      run({"train", "-c", "tiny.yaml", "--no-progress", "--out", "split", "--epochs", "2"});
  ASSERT_EQ(half.code, 0) << half.err;
  const CliResult rest = run({"train", "-c", "tiny.yaml", "--no-progress", "--resume", "split"});
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.err.find("resumed from split/last.safetensors after epoch 2"), std::string::npos)
      << rest.err;
  expect_same_model(dir_ / "whole/last.safetensors", dir_ / "split/last.safetensors");
  expect_same_model(dir_ / "whole/best.safetensors", dir_ / "split/best.safetensors");
  EXPECT_EQ(csv_without_seconds(read_text(dir_ / "whole/metrics.csv")),
            csv_without_seconds(read_text(dir_ / "split/metrics.csv")));
  EXPECT_EQ(without_seconds(whole.out), without_seconds(rest.out));
}

TEST_F(ResumeCli, SigintStopsWithACheckpointAndAHint) {
  const pid_t pid = spawn({"train", "-c", "tiny.yaml", "--no-progress", "--out", "run", "--epochs", "40"});
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (epochs_logged("run") < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(epochs_logged("run"), 1u) << read_text(dir_ / "bg_stderr.txt");
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const std::string err = read_text(dir_ / "bg_stderr.txt");
  EXPECT_NE(err.find("interrupted by SIGINT"), std::string::npos) << err;
  EXPECT_NE(err.find("Continue with: strata train tiny.yaml --resume run"), std::string::npos) << err;
  EXPECT_EQ(read_text(dir_ / "bg_stdout.txt"), "");  // no final metrics for an unfinished run
  const size_t done = epochs_logged("run");
  ASSERT_LT(done, 40u);
  const CliResult rest = run(
      {"train", "-c", "tiny.yaml", "--no-progress", "--resume", "run", "--epochs", std::to_string(done + 1)});
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.out.find(fmt::format("\"epochs\": {}", done + 1)), std::string::npos) << rest.out;
}

TEST_F(ResumeCli, SigkillAtRandomMomentsAlwaysLeavesALoadableCheckpoint) {
  std::mt19937 rng(20261208);
  std::uniform_int_distribution<int> wait_ms(0, 1200);
  const std::vector<std::string> args{
      "train", "-c",       "tiny.yaml", "--no-progress", "--out",
      "run",   "--epochs", "6",         "--set",         "training.early_stopping.patience=100"};
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<std::string> a = args;
    if (fs::exists(dir_ / "run/last.safetensors")) a.insert(a.end(), {"--resume", "run"});
    fs::remove(dir_ / "run/config.yaml");  // each run writes it anew once its data is loaded
    const pid_t pid = spawn(a);
    ASSERT_GT(pid, 0);
    // Data loading comes first (its length varies with the machine's load): the random moment counts
    // from when the run folder's config.yaml appears, just before training starts.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!fs::exists(dir_ / "run/config.yaml") && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (!fs::exists(dir_ / "run/last.safetensors")) continue;  // killed before the run folder existed
    // Whatever the moment, the checkpoint there is whole: it loads and carries the format marker.
    const io::SafetensorsFile f = io::read_safetensors((dir_ / "run/last.safetensors").string());
    EXPECT_EQ(f.metadata.at("format"), train::kCheckpointFormat) << "attempt " << attempt;
    EXPECT_TRUE(f.tensors.count("trainer.epoch")) << "attempt " << attempt;
  }
  ASSERT_TRUE(fs::exists(dir_ / "run/last.safetensors"));
  std::vector<std::string> a = args;
  a.insert(a.end(), {"--resume", "run"});
  const CliResult rest = run(a);
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_NE(rest.out.find("\"epochs\": 6"), std::string::npos) << rest.out;
  EXPECT_EQ(epochs_logged("run"), 6u);
}

}  // namespace
}  // namespace strata::cli_test
