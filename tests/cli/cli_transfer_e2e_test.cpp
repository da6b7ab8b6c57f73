// The two transfer-learning configs as a user runs them, on small slices of Fashion-MNIST: pre-train on
// classes 0-4 into runs/fashion_pretrain_0to4 (where configs/fashion_transfer.yaml looks for it), then
// fine-tune on 50 images of each of classes 5-9 with the features frozen, then unfrozen.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "strata/io/model_state.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

class CliTransfer : public CliFixture {};

TEST_F(CliTransfer, PretrainThenFineTune) {
  const std::string pre_config = (configs_dir() / "fashion_pretrain_0to4.yaml").string();
  const std::string config = (configs_dir() / "fashion_transfer.yaml").string();
  const CliResult pre =
      run({"train", "-c", pre_config, "--out", "runs/fashion_pretrain_0to4", "--epochs", "1", "--set",
           "data.limit=4000", "--set", "data.test_limit=1000", "--no-progress"});
  ASSERT_EQ(pre.code, 0) << pre.err;
  const nlohmann::json pre_metrics = nlohmann::json::parse(lines_of(pre.out).at(0));
  EXPECT_GT(pre_metrics["test_accuracy"].get<double>(), 0.7) << pre.out;  // 5 classes: chance is 0.2

  const CliResult fine = run({"train", "-c", config, "--out", "transfer", "--set", "data.limit=4000", "--set",
                              "data.test_limit=1000", "--no-progress"});
  ASSERT_EQ(fine.code, 0) << fine.err;
  const nlohmann::json metrics = nlohmann::json::parse(lines_of(fine.out).at(0));
  EXPECT_EQ(metrics["epochs"].get<int>(), 5);
  EXPECT_GT(metrics["test_accuracy"].get<double>(), 0.7) << fine.out;
  for (const std::string line :
       {"(225 train, 25 validation)",
        "init: loaded 4 of the model's 6 tensors from runs/fashion_pretrain_0to4/best.safetensors",
        "init: skipped (init.skip): 7.bias, 7.weight",
        "freeze: 4 tensors frozen (0.weight, 0.bias, 3.weight, 3.bias); 3925 of 5173 parameters train",
        "freeze: all of them train from epoch 3 on"}) {
    EXPECT_NE(fine.err.find(line), std::string::npos) << "'" << line << "' not in:\n" << fine.err;
  }
  // The convolutions started from the pre-trained ones and moved once unfrozen.
  const nn::StateDict before =
      io::load_model_state((dir_ / "runs/fashion_pretrain_0to4/best.safetensors").string());
  const nn::StateDict after = io::load_model_state((dir_ / "transfer/last.safetensors").string());
  EXPECT_FALSE(equal(before.at("0.weight"), after.at("0.weight")));
  EXPECT_LT(F::max(F::abs(before.at("0.weight") - after.at("0.weight"))).item(), 0.5);
}

}  // namespace
}  // namespace strata::cli_test
