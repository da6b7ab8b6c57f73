// Masked-LM pre-training then fine-tuning through the CLI, as a user runs configs/spam_mlm_pretrain.yaml and
// configs/spam_mlm_finetune.yaml, on a slice of SpamAssassin (scripts/fetch-data text) with a smaller encoder
// (64 wide, 64 words per e-mail) so that it takes seconds: a few hundred steps of masked-word prediction must
// take the held-out masked-word loss far below its start (ln of the vocabulary size: a uniform guess), and
// the pre-trained encoder must load into the classifier, which then trains on 10% of the labels.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

class CliMaskedLM : public CliFixture {};

const std::vector<std::string> kSmall = {"--set",
                                         "data.text.max_length=64",
                                         "--set",
                                         "model.max_positions=64",
                                         "--set",
                                         "model.d_model=64",
                                         "--set",
                                         "model.dim_feedforward=128",
                                         "--no-progress",
                                         "--threads",
                                         "1"};

std::vector<std::string> with_small(std::vector<std::string> args) {
  args.insert(args.end(), kSmall.begin(), kSmall.end());
  return args;
}

TEST_F(CliMaskedLM, PretrainLowersTheMaskedWordLossThenFineTunes) {
  const CliResult pre =
      run(with_small({"train", "-c", (configs_dir() / "spam_mlm_pretrain.yaml").string(), "--out",
                      "runs/spam_mlm_pretrain", "--epochs", "5", "--set", "data.limit=1000", "--set",
                      "data.text.max_vocab=2000", "--set", "data.batch_size=16"}));
  ASSERT_EQ(pre.code, 0) << pre.err;
  // 950 texts to train (one in 20 held out): 60 steps an epoch, 300 in all.
  EXPECT_NE(pre.err.find("(950 to train, 50 held out)"), std::string::npos) << pre.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(pre.out).at(0));
  const double start = std::log(2000.0);  // the untrained model's loss: about ln(vocabulary size)
  EXPECT_LT(m["test_loss"].get<double>(), start - 1.5) << pre.out;
  ASSERT_TRUE(fs::exists(dir_ / "runs/spam_mlm_pretrain/tokenizer.json"));

  const CliResult fine =
      run(with_small({"train", "-c", (configs_dir() / "spam_mlm_finetune.yaml").string(), "--out", "fine",
                      "--epochs", "2", "--set", "data.text.label_fraction=0.1"}));
  ASSERT_EQ(fine.code, 0) << fine.err;
  EXPECT_NE(fine.err.find("init: loaded"), std::string::npos) << fine.err;
  EXPECT_NE(fine.err.find("484 of the 4837 training labels"), std::string::npos) << fine.err;
  const nlohmann::json f = nlohmann::json::parse(lines_of(fine.out).at(0));
  EXPECT_GE(f["test_accuracy"].get<double>(), 0.6) << fine.out;  // 31% of the e-mails are spam
}

TEST_F(CliMaskedLM, BadFieldsAreNamed) {
  const std::string config = (configs_dir() / "spam_mlm_finetune.yaml").string();
  const CliResult missing =
      run({"train", "-c", config, "--set", "data.text.tokenizer_from=nowhere/tokenizer.json"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("data.text.tokenizer_from: nowhere/tokenizer.json does not exist"),
            std::string::npos)
      << missing.err;
  const CliResult fraction = run({"train", "-c", config, "--set", "data.text.label_fraction=0"});
  EXPECT_EQ(fraction.code, 2);
  EXPECT_NE(fraction.err.find("data.text.label_fraction"), std::string::npos) << fraction.err;
  const std::string pre = (configs_dir() / "spam_mlm_pretrain.yaml").string();
  const CliResult chars = run({"train", "-c", pre, "--set", "data.text.tokenizer=char"});
  EXPECT_EQ(chars.code, 2);
  EXPECT_NE(chars.err.find("'data.text.masked_lm' needs the word tokenizer"), std::string::npos) << chars.err;
  const CliResult labels = run({"train", "-c", pre, "--set", "data.text.label_fraction=0.5"});
  EXPECT_EQ(labels.code, 2);
  EXPECT_NE(labels.err.find("trains on texts without labels"), std::string::npos) << labels.err;
  const CliResult prob = run({"train", "-c", config, "--set", "data.text.mask_prob=0.2"});
  EXPECT_EQ(prob.code, 2);
  EXPECT_NE(prob.err.find("applies with 'masked_lm: true'"), std::string::npos) << prob.err;
  const CliResult heads = run({"train", "-c", config, "--set", "model.nhead=3"});
  EXPECT_EQ(heads.code, 2);
  EXPECT_NE(heads.err.find("must be a multiple of 'model.nhead' (3)"), std::string::npos) << heads.err;
  const CliResult pooling = run({"train", "-c", config, "--set", "model.pooling=max"});
  EXPECT_EQ(pooling.code, 2);
  EXPECT_NE(pooling.err.find("unknown pooling 'max'"), std::string::npos) << pooling.err;
}

}  // namespace
}  // namespace strata::cli_test
