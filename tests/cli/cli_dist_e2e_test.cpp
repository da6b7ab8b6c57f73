// `mpirun -np N strata train` as a user runs it: 2 ranks train Fashion-MNIST (a subset) with rank 0 alone
// printing and writing, then 3 ranks resume the run from its last checkpoint for one more epoch; and a run
// whose rank 1 is killed mid-training stops within its bound and resumes from rank 0's checkpoint.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "cli_util.h"
#include "strata/io/safetensors.h"

namespace strata::cli_test {
namespace {

class DistCli : public CliFixture {};

// The number after "key": in a JSON line.
double json_number(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\": ");
  EXPECT_NE(at, std::string::npos) << key << " not in " << line;
  return at == std::string::npos ? -1.0 : std::stod(line.substr(at + key.size() + 4));
}

TEST_F(DistCli, TwoRanksTrainAndThreeResume) {
  const std::string config = (configs_dir() / "fashion_mlp.yaml").string();
  const std::vector<std::string> common{"train",
                                        "-c",
                                        config,
                                        "--set",
                                        "data.limit=3000",
                                        "--set",
                                        "data.test_limit=1000",
                                        "--set",
                                        "scheduler.name=none",
                                        "--no-progress",
                                        "--out",
                                        "run"};
  std::vector<std::string> first = common;
  first.insert(first.end(), {"--epochs", "2"});
  const CliResult r = run_mpi(2, first);
  ASSERT_EQ(r.code, 0) << r.err;
  // Rank 0 alone prints: one JSON line, one header.
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_NE(r.err.find("data-parallel on 2 ranks, 1 thread each, batch 64 per rank"), std::string::npos)
      << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 3u) << r.err;  // header, data-parallel line, the selected checkpoint
  EXPECT_GT(json_number(out[0], "test_accuracy"), 0.7);
  EXPECT_EQ(lines_of(read_text(dir_ / "run/metrics.csv")).size(), 3u);  // header + 2 epochs

  std::vector<std::string> resume = common;
  resume.insert(resume.end(), {"--epochs", "3", "--resume", "run/last.safetensors"});
  const CliResult r3 = run_mpi(3, resume);
  ASSERT_EQ(r3.code, 0) << r3.err;
  EXPECT_NE(r3.err.find("resumed from run/last.safetensors after epoch 2"), std::string::npos) << r3.err;
  const std::string line3 = lines_of(r3.out).at(0);
  EXPECT_EQ(json_number(line3, "epochs"), 3.0);
  EXPECT_GT(json_number(line3, "test_accuracy"), 0.7);
  EXPECT_EQ(lines_of(read_text(dir_ / "run/metrics.csv")).size(), 4u);  // the resumed history + epoch 3
}

// The pid of the process running in `dir` with Open MPI rank `rank` (0 when there is none yet).
pid_t rank_process(const fs::path& dir, int rank) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    if (fs::read_symlink(entry.path() / "cwd", ec) != dir || ec) continue;
    const std::string env = read_text(entry.path() / "environ");
    for (size_t at = 0; at < env.size(); at = env.find('\0', at) + 1) {
      if (env.compare(at, want.size() + 1, want + '\0') == 0) return static_cast<pid_t>(std::stol(name));
      if (env.find('\0', at) == std::string::npos) break;
    }
  }
  return 0;
}

TEST_F(DistCli, KilledRankStopsTheRunWhichResumesFromRankZerosCheckpoint) {
  const std::string config = (configs_dir() / "fashion_mlp.yaml").string();
  std::string args = " train -c " + shell_quote(config) +
                     " --set data.limit=3000 --set data.test_limit=500 --set scheduler.name=none"
                     " --no-progress --out run";
  // Many epochs, so the run is still training when rank 1 dies after the first checkpoint.
  const std::string cmd = "cd " + shell_quote(dir_.string()) +
                          " && STRATA_DIST_TIMEOUT=3 STRATA_NUM_THREADS=1 exec " STRATA_MPIEXEC " -np 2 " +
                          shell_quote(STRATA_CLI_PATH) + args + " --epochs 200 >stdout.txt 2>stderr.txt";
  const pid_t job = fork();
  ASSERT_GE(job, 0);
  if (job == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  pid_t victim = 0;
  // last.safetensors exists from before the first epoch; wait for one that holds a finished epoch.
  const auto epoch_saved = [&] {
    try {
      return io::load_safetensors((dir_ / "run/last.safetensors").string()).at("trainer.epoch").item() >= 1;
    } catch (const std::exception&) {
      return false;  // not written yet
    }
  };
  while (Clock::now() - started < std::chrono::seconds(120)) {
    if (epoch_saved() && (victim = rank_process(dir_, 1)) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(victim, 0) << "no checkpoint or no rank 1 within 120 s: " << read_text(dir_ / "stderr.txt");
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  const auto killed = Clock::now();
  int status = 0;
  ASSERT_EQ(waitpid(job, &status, 0), job);
  const double seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  // The survivor stops within the bound (3 s here) and the job fails, naming the dead rank.
  EXPECT_LT(seconds, 20.0);
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string err = read_text(dir_ / "stderr.txt");
  EXPECT_NE(err.find("rank 1"), std::string::npos) << err;
  // Rank 0's last checkpoint is whole, and 2 ranks resume from it for one more epoch.
  const auto epochs_done = static_cast<int64_t>(
      io::load_safetensors((dir_ / "run/last.safetensors").string()).at("trainer.epoch").item());
  ASSERT_GE(epochs_done, 1);
  const std::string target = std::to_string(epochs_done + 1);
  std::vector<std::string> resume{"train",
                                  "-c",
                                  config,
                                  "--set",
                                  "data.limit=3000",
                                  "--set",
                                  "data.test_limit=500",
                                  "--set",
                                  "scheduler.name=none",
                                  "--no-progress",
                                  "--out",
                                  "run",
                                  "--epochs",
                                  target,
                                  "--resume",
                                  "run/last.safetensors"};
  const CliResult r = run_mpi(2, resume);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json_number(lines_of(r.out).at(0), "epochs"), static_cast<double>(epochs_done + 1));
  EXPECT_GT(json_number(lines_of(r.out).at(0), "test_accuracy"), 0.7);
}

}  // namespace
}  // namespace strata::cli_test
