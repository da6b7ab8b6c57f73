// `mpirun -np N strata train` as a user runs it: 2 ranks train Fashion-MNIST (a subset) with rank 0 alone
// printing and writing, then 3 ranks resume the run from its last checkpoint for one more epoch.
#include <gtest/gtest.h>

#include "cli_util.h"

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
  EXPECT_EQ(lines_of(r.err).size(), 2u) << r.err;
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

}  // namespace
}  // namespace strata::cli_test
