// `strata train` of the zoo's GPT on Moby Dick (scripts/fetch-data text), as configs/moby_gpt.yaml runs it
// but at test size: a small GPT must beat the unigram model by well over a bit per character on the held-out
// end of the book; eval and generate (through the KV cache, with top-k and top-p) then work from the run.
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

// configs/moby_gpt.yaml at test size: 2 blocks of width 64 over 32 characters, 12,000 windows, one epoch.
constexpr const char* kSmallGpt = R"(name: moby_gpt_small
data:
  dataset: text-lm
  batch_size: 32
  limit: 12000
  text:
    corpus: moby-dick
    seq_len: 32
    test_fraction: 0.05
model:
  zoo: gpt
  n_layer: 2
  n_head: 4
  n_embd: 64
optimizer: {name: adamw, lr: 0.005, betas: [0.9, 0.99], weight_decay: 0.1}
training:
  epochs: 1
  monitor: val_bits_per_char
  clip_grad_norm: 1.0
metrics: [loss, bits_per_char]
)";

using CliGptE2E = CliFixture;

TEST_F(CliGptE2E, SmallGptBeatsTheUnigramModelAndGenerates) {
  write("gpt.yaml", kSmallGpt);
  const CliResult train = run({"train", "-c", "gpt.yaml", "--out", "gpt", "--no-progress", "--threads", "1"});
  ASSERT_EQ(train.code, 0) << train.err;
  std::smatch unigram;
  ASSERT_TRUE(std::regex_search(train.err, unigram, std::regex(R"(a unigram model scores ([0-9.]+) bits)")))
      << train.err;
  const double unigram_bits = std::stod(unigram[1].str());
  EXPECT_GT(unigram_bits, 4.0);
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  const double bits = m["test_bits_per_char"].get<double>();
  EXPECT_LT(bits, unigram_bits - 1.0) << train.out;
  EXPECT_NEAR(m["test_loss"].get<double>() / std::log(2.0), bits, 1e-3);

  // The checkpoint holds nanoGPT's names, and no separate head.
  const CliResult eval = run({"eval", "-c", "gpt/config.yaml", "--checkpoint", "gpt/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(e["test_bits_per_char"].get<double>(), bits, 1e-6) << eval.out;

  // 200 characters run past block_size (32), so generation also moves its window and rebuilds the cache.
  const CliResult gen =
      run({"generate", "-c", "gpt/config.yaml", "--checkpoint", "gpt/best.safetensors", "--prompt", "Call me",
           "--tokens", "200", "--seed", "1", "--top-k", "20", "--top-p", "0.95"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind("Call me", 0), 0u) << gen.out;
  EXPECT_GE(gen.out.size(), 7u + 200u);
  const auto letters = std::count_if(gen.out.begin(), gen.out.end(),
                                     [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == ' '; });
  EXPECT_GT(static_cast<double>(letters) / static_cast<double>(gen.out.size()), 0.7) << gen.out;
  // Greedy decoding is deterministic.
  const std::vector<std::string> greedy = {
      "generate",      "-c", "gpt/config.yaml", "--checkpoint", "gpt/best.safetensors", "--tokens", "50",
      "--temperature", "0"};
  EXPECT_EQ(run(greedy).out, run(greedy).out);
}

}  // namespace
}  // namespace strata::cli_test
