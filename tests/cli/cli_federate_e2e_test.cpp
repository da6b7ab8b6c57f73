// `strata federate` as a user runs it, on a subset of Fashion-MNIST: FedAvg learns on IID clients well above
// chance; the FedProx + DP-SGD + secure-aggregation config runs and reports epsilon; bad configs fail with
// one line naming the file, line and field.
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace strata::cli_test {
namespace {

class CliFederate : public CliFixture {
 protected:
  std::string config(const char* name) const { return (configs_dir() / name).string(); }
};

TEST_F(CliFederate, FedAvgLearnsOnIidClients) {
  const CliResult r = run({"federate", "-c", config("fashion_fedavg.yaml"), "--out", "run", "--rounds", "6",
                           "--no-progress", "--set", "data.limit=6000", "--set", "data.test_limit=2000",
                           "--set", "federated.clients=20", "--set", "federated.client_fraction=0.25"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["rounds"], 6);
  EXPECT_EQ(line["partition"], "iid");
  EXPECT_GT(line["test_accuracy"].get<double>(), 0.65);  // chance is 0.1
  EXPECT_TRUE(line["epsilon"].is_null());
  for (const char* file : {"config.yaml", "metrics.csv", "curves.png", "global.safetensors"})
    EXPECT_TRUE(fs::exists(dir_ / "run" / file)) << file;
  const auto rows = lines_of(read_text(dir_ / "run" / "metrics.csv"));
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].rfind("round,sampled,reporting,samples,train_loss,test_loss,test_accuracy,", 0), 0u);
  EXPECT_EQ(rows[1].rfind("1,5,5,1500,", 0), 0u) << rows[1];  // 5 of 20 clients with 300 examples each
  // The checkpoint holds the global model for strata eval.
  const CliResult e = run({"eval", "-c", config("fashion_fedavg.yaml"), "--checkpoint",
                           "run/global.safetensors", "--set", "data.test_limit=2000", "--out", "eval"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NEAR(nlohmann::json::parse(e.out)["test_accuracy"].get<double>(),
              line["test_accuracy"].get<double>(), 1e-6);
}

TEST_F(CliFederate, FedProxWithDpAndSecureAggregationReportsEpsilon) {
  const CliResult r = run({"federate", "-c", config("fashion_fedprox_dp.yaml"), "--out", "run", "--rounds",
                           "2", "--no-progress", "--set", "data.limit=3000", "--set", "data.test_limit=1000",
                           "--set", "federated.clients=10", "--set", "federated.client_fraction=0.3"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["algorithm"], "fedprox");
  EXPECT_GT(line["epsilon"].get<double>(), 0.0);
  EXPECT_GT(line["test_accuracy"].get<double>(), 0.2);
  const auto rows = lines_of(read_text(dir_ / "run" / "metrics.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NE(rows[2].substr(rows[2].rfind(',', rows[2].rfind(',') - 1)), ",,") << rows[2];  // epsilon logged
}

TEST_F(CliFederate, ConfigErrorsNameFileLineAndField) {
  write("bad.yaml",
        "data: {dataset: fashion-mnist}\n"
        "model: {layers: [flatten, {linear: {in: 784, out: 10}}]}\n"
        "federated:\n"
        "  clients: 10\n"
        "  partiton: iid\n");
  expect_error(run({"federate", "-c", "bad.yaml"}),
               {"bad.yaml:5:", "unknown field 'federated.partiton'", "did you mean 'partition'"});
  write("alpha.yaml",
        "data: {dataset: fashion-mnist}\n"
        "model: {layers: [flatten, {linear: {in: 784, out: 10}}]}\n"
        "federated:\n"
        "  partition: dirichlet\n"
        "  alpha: -1\n");
  expect_error(run({"federate", "-c", "alpha.yaml"}), {"alpha.yaml:5:", "federated.alpha", "> 0"});
  write("none.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten, {linear: {in: 784, out: 10}}]}\n");
  expect_error(run({"federate", "-c", "none.yaml"}), {"none.yaml", "no 'federated' section"});
  expect_error(run({"federate", "-c", config("fashion_fedavg.yaml"), "--set", "federated.algorithm=fedprox"}),
               {"--set federated.algorithm=fedprox", "federated.mu"});
  expect_error(run({"federate", "-c", config("fashion_fedavg.yaml"), "--set", "federated.partition=random"}),
               {"unknown federated.partition 'random'", "dirichlet"});
  expect_error(
      run({"federate", "-c", config("fashion_fedprox_dp.yaml"), "--set", "federated.dp.max_grad_norm=0"}),
      {"--set federated.dp.max_grad_norm=0", "must be > 0"});
}

}  // namespace
}  // namespace strata::cli_test
