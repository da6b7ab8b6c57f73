// `strata train` on graph configs (data.dataset: graph): the karate club GCN from configs/ as a user runs
// it, its run folder, and config errors naming file, line and field.
#include <gtest/gtest.h>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

class GraphCli : public CliFixture {};

TEST_F(GraphCli, KarateGCNConfigLabelsTheFactions) {
  const CliResult r =
      run({"train", "-c", (configs_dir() / "karate_gcn.yaml").string(), "--out", "run", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto at = r.out.find("\"test_accuracy\": ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_GE(std::stod(r.out.substr(at + 17)), 0.9) << r.out;
  EXPECT_EQ(lines_of(read_text(dir_ / "run" / "metrics.csv")).size(), 101u);  // header + 100 epochs
  EXPECT_TRUE(fs::exists(dir_ / "run" / "model.safetensors"));
}

TEST_F(GraphCli, ConfigErrorsNameFileLineAndField) {
  write("g.yaml", "data:\n  dataset: graph\n  graph: karate\nmodel:\n  conv: gcn\n  hiden_channels: 4\n");
  expect_error(run({"train", "-c", "g.yaml"}), {"g.yaml:6", "model.hiden_channels", "hidden_channels"});
  write("g.yaml", "data:\n  dataset: graph\n  graph: cora\n");
  expect_error(run({"train", "-c", "g.yaml"}), {"g.yaml:3", "unknown graph 'cora'", "karate"});
  write("g.yaml", "data:\n  dataset: graph\nmodel:\n  conv: gcx\n");
  expect_error(run({"train", "-c", "g.yaml"}), {"unknown conv 'gcx'"});
  write("g.yaml", "data:\n  dataset: graph\ntraining:\n  epochs: 0\n");
  expect_error(run({"train", "-c", "g.yaml"}), {"g.yaml:4", "training.epochs", "positive"});
  expect_error(run({"train", "-c", (configs_dir() / "karate_gcn.yaml").string(), "--set", "model.dropout=x"}),
               {"--set model.dropout=x", "number"});
}

}  // namespace
}  // namespace strata::cli_test
