// `strata train` on the real text sets (scripts/fetch-data text), as a user runs it: the shipped spam
// classifier config for a short run must classify held-out e-mails well, and a small character LSTM on
// Moby Dick must beat the unigram model by more than a bit per character; eval and generate then work from
// what the runs wrote.
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

// configs/moby_char_lstm.yaml at test size: a smaller LSTM on 8,000 windows of 64 characters, one epoch.
constexpr const char* kSmallLm = R"(name: moby_small
data:
  dataset: text-lm
  batch_size: 32
  limit: 8000
  text:
    corpus: moby-dick
    seq_len: 64
    test_fraction: 0.05
model:
  layers:
    - embedding: {num_embeddings: vocab_size, embedding_dim: 32}
    - lstm: {input_size: 32, hidden_size: 128}
    - linear: {in: 128, out: vocab_size}
    - flatten: {start: 0, end: 1}
optimizer: {name: adam, lr: 0.005}
training:
  epochs: 1
  monitor: val_bits_per_char
metrics: [loss, bits_per_char]
)";

using CliTextE2E = CliFixture;

TEST_F(CliTextE2E, SpamConfigClassifiesHeldOutMail) {
  // Two of the config's three epochs (the full run: accuracy 0.974, spam F1 0.96).
  const CliResult train = run({"train", "-c", (configs_dir() / "spam_bigru.yaml").string(), "--epochs", "2",
                               "--out", "spam", "--no-progress", "--threads", "1"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  EXPECT_GE(m["test_accuracy"].get<double>(), 0.94) << train.out;  // 31% of the test e-mails are spam
  EXPECT_GE(m["test_f1_binary"].get<double>(), 0.9) << train.out;
  EXPECT_GE(m["test_precision_binary"].get<double>(), 0.85) << train.out;
  EXPECT_GE(m["test_recall_binary"].get<double>(), 0.85) << train.out;

  const CliResult eval = run({"eval", "-c", "spam/config.yaml", "--checkpoint", "spam/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_EQ(e["samples"], 1209);
  EXPECT_GE(e["test_f1_binary"].get<double>(), 0.9) << eval.out;
  const std::string report = read_text(dir_ / "spam" / "classification_report.txt");
  EXPECT_TRUE(std::regex_search(report, std::regex(R"(\n +ham( +[0-9.]+){3} +830\n)"))) << report;
  EXPECT_TRUE(std::regex_search(report, std::regex(R"(\n +spam( +[0-9.]+){3} +379\n)"))) << report;
  const nlohmann::json json = nlohmann::json::parse(read_text(dir_ / "spam" / "eval_metrics.json"));
  EXPECT_GE(json["roc_auc"].get<double>(), 0.97);
}

TEST_F(CliTextE2E, CharLstmBeatsTheUnigramModelAndGenerates) {
  write("moby.yaml", kSmallLm);
  const CliResult train = run({"train", "-c", "moby.yaml", "--out", "lm", "--no-progress", "--threads", "1"});
  ASSERT_EQ(train.code, 0) << train.err;
  std::smatch unigram;
  ASSERT_TRUE(std::regex_search(train.err, unigram, std::regex(R"(a unigram model scores ([0-9.]+) bits)")))
      << train.err;
  const double unigram_bits = std::stod(unigram[1].str());
  EXPECT_GT(unigram_bits, 4.0);
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  const double bits = m["test_bits_per_char"].get<double>();
  EXPECT_LT(bits, unigram_bits - 1.0) << train.out;  // about 2.9 against 4.48
  EXPECT_NEAR(m["test_loss"].get<double>() / std::log(2.0), bits, 1e-3);

  const CliResult gen = run({"generate", "-c", "lm/config.yaml", "--checkpoint", "lm/best.safetensors",
                             "--prompt", "Call me", "--tokens", "200", "--seed", "1"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind("Call me", 0), 0u) << gen.out;
  // English-looking: mostly lower-case letters and spaces.
  const auto letters = std::count_if(gen.out.begin(), gen.out.end(),
                                     [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == ' '; });
  EXPECT_GT(static_cast<double>(letters) / static_cast<double>(gen.out.size()), 0.7) << gen.out;
}

}  // namespace
}  // namespace strata::cli_test
