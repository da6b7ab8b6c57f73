// The Transformer layers in YAML configs: a sequential stack of embedding, positional encoding,
// transformer encoder, RMSNorm and self-attention that `strata summary` lists layer by layer, and that
// `strata train` trains; a bad option names the file, line and layer.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

// Line numbers matter below.
constexpr const char* kConfig = R"(name: tiny_transformer
data:
  dataset: text-lm
  batch_size: 16
  text:
    path: book.txt
    seq_len: 16
    test_fraction: 0.1
model:
  layers:
    - embedding: {num_embeddings: vocab_size, embedding_dim: 16}
    - positional_encoding: {kind: sinusoidal, max_len: 64}
    - transformer_encoder: {nhead: 2, num_layers: 2, dim_feedforward: 32, dropout: 0.0, norm_first: true, norm: true}
    - multihead_attention: {num_heads: 4}
    - rms_norm
    - linear: {in: 16, out: vocab_size}
    - flatten: {start: 0, end: 1}
optimizer: {name: adamw, lr: 0.01}
training:
  epochs: 2
  threads: 1
metrics: [loss]
)";

class CliTransformer : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    std::string text;
    for (int i = 0; text.size() < 3000; ++i) text += i % 2 ? "Call me Ishmael. " : "Some years ago. ";
    write("book.txt", text);
    write("t.yaml", kConfig);
  }
};

TEST_F(CliTransformer, SummaryListsTheLayers) {
  const CliResult summary = run({"summary", "-c", "t.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  for (const char* part : {"(SinusoidalPositionalEncoding)", "2.layers.0.self_attn (MultiheadAttention)",
                           "2.layers.1.linear2 (Linear)", "2.norm (LayerNorm)", "3 (MultiheadAttention)",
                           "4 (RMSNorm)", "[1, 16, 16]"})
    EXPECT_NE(summary.out.find(part), std::string::npos) << part << " not in:\n" << summary.out;
}

TEST_F(CliTransformer, Trains) {
  const CliResult train = run({"train", "-c", "t.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  EXPECT_TRUE(std::isfinite(m["test_loss"].get<double>())) << train.out;
}

TEST_F(CliTransformer, BadOptionNamesTheLayer) {
  std::string bad = kConfig;
  bad.replace(bad.find("kind: sinusoidal"), 16, "kind: rotary");
  write("bad.yaml", bad);
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:12", "positional_encoding", "rotary"});
}

}  // namespace
}  // namespace strata::cli_test
