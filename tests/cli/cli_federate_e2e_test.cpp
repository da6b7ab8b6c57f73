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

#ifdef STRATA_MPIEXEC
TEST_F(CliFederate, TwoRanksUnderMpirunExitCleanlyAndMatchOneProcess) {
  const std::vector<std::string> args{"federate",
                                      "-c",
                                      config("fashion_fedavg.yaml"),
                                      "--rounds",
                                      "2",
                                      "--no-progress",
                                      "--set",
                                      "data.limit=2000",
                                      "--set",
                                      "data.test_limit=500",
                                      "--set",
                                      "federated.clients=10",
                                      "--set",
                                      "federated.client_fraction=0.3"};
  std::vector<std::string> one = args, two = args;
  one.insert(one.end(), {"--out", "one"});
  two.insert(two.end(), {"--out", "two"});
  const CliResult r1 = run(one);
  ASSERT_EQ(r1.code, 0) << r1.err;
  // mpirun's exit status is 0 only if every rank finalised MPI and returned 0.
  const CliResult r2 = run_mpi(2, two);
  ASSERT_EQ(r2.code, 0) << r2.err;
  EXPECT_EQ(r2.err.find("exited improperly"), std::string::npos) << r2.err;
  // Rank 0 alone prints, and the clients split across ranks give the one-process result to the bit.
  ASSERT_EQ(lines_of(r2.out).size(), 1u) << r2.out;
  const auto a = nlohmann::json::parse(r1.out), b = nlohmann::json::parse(r2.out);
  EXPECT_EQ(a["test_loss"], b["test_loss"]);
  EXPECT_EQ(a["test_accuracy"], b["test_accuracy"]);
  EXPECT_EQ(read_text(dir_ / "one" / "global.safetensors"), read_text(dir_ / "two" / "global.safetensors"));
}
#endif

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
