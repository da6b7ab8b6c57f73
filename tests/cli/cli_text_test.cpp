// `strata train`, `eval`, `summary` and `generate` on text configs (data.text, embedding and recurrent
// layers), on small made-up text written by the test: a good run of each dataset kind, the resolved config
// read back, and config mistakes reported with file, line and field.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

// A labelled folder: ham/ and spam/, 24 texts each of 3 to 30 words from the class's own words (plus shared
// ones), so a classifier can learn it in a few epochs. Returns (file, text) pairs.
std::vector<std::pair<fs::path, std::string>> mail_folder() {
  const std::vector<std::string> shared{"the", "a", "and", "to", "of", "you", "we", "is"};
  const std::vector<std::vector<std::string>> words{
      {"meeting", "agenda", "notes", "project", "review", "lunch", "team", "draft"},
      {"winner", "prize", "free", "offer", "cash", "click", "claim", "viagra"}};
  const std::vector<std::string> classes{"ham", "spam"};
  uint64_t state = 7;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  std::vector<std::pair<fs::path, std::string>> files;
  for (size_t c = 0; c < 2; ++c) {
    for (int i = 0; i < 24; ++i) {
      std::string text;
      const uint64_t n = 3 + next(28);
      for (uint64_t w = 0; w < n; ++w) {
        const bool own = next(2) == 0;
        text += (w ? " " : "") + (own ? words[c][next(8)] : shared[next(8)]);
      }
      files.emplace_back(fs::path("mail") / classes[c] / fmt::format("{:02}.txt", i), text + "\n");
    }
  }
  return files;
}

// A text for a language model: a few sentences repeated, 7,000 characters or so.
std::string book_text() {
  const std::vector<std::string> sentences{
      "Call me Ishmael. ", "Some years ago, never mind how long precisely, ",
      "having little or no money in my purse, ", "I thought I would sail about a little. ",
      "It is a way I have of driving off the spleen.\n"};
  std::string text;
  for (int i = 0; text.size() < 7000; ++i) text += sentences[static_cast<size_t>(i * 3 % 5)];
  return text;
}

// Line numbers matter below.
constexpr const char* kFolderConfig = R"(name: tiny_text
data:
  dataset: text-folder
  batch_size: 8
  text:
    path: mail
    tokenizer: word
    max_length: 20
    test_fraction: 0.25
model:
  layers:
    - embedding: {num_embeddings: vocab_size, embedding_dim: 8, padding_idx: 0}
    - gru: {input_size: 8, hidden_size: 8, bidirectional: true}
    - global_avg_pool1d
    - linear: {in: 16, out: 2}
optimizer: {name: adam, lr: 0.02}
training:
  epochs: 3
  threads: 1
metrics: [loss, accuracy, f1_binary]
)";

constexpr const char* kLmConfig = R"(name: tiny_lm
data:
  dataset: text-lm
  batch_size: 16
  text:
    path: book.txt
    seq_len: 32
    test_fraction: 0.1
model:
  layers:
    - embedding: {num_embeddings: vocab_size, embedding_dim: 8}
    - lstm: {input_size: 8, hidden_size: 32}
    - linear: {in: 32, out: vocab_size}
    - flatten: {start: 0, end: 1}
optimizer: {name: adam, lr: 0.02}
training:
  epochs: 6
  threads: 1
  monitor: val_bits_per_char
metrics: [loss, bits_per_char]
)";

class CliText : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    for (const auto& [file, text] : mail_folder()) write(file, text);
    write("book.txt", book_text());
    write("tiny.yaml", kFolderConfig);
    write("lm.yaml", kLmConfig);
  }

  // `base` with line `line` (1-based) replaced by `text` (removed when empty), written to `name`.
  void write_variant(const std::string& name, const char* base, int line, const std::string& text) const {
    const std::vector<std::string> lines = lines_of(base);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (static_cast<int>(i) + 1 != line) {
        out += lines[i] + "\n";
      } else if (!text.empty()) {
        out += text + "\n";
      }
    }
    write(name, out);
  }

  // The error that `strata summary` reports for kFolderConfig (or `base`) with one line changed.
  void expect_variant_error(int line, const std::string& text, const std::vector<std::string>& fragments,
                            const char* base = kFolderConfig) const {
    write_variant("bad.yaml", base, line, text);
    SCOPED_TRACE(fmt::format("line {}: '{}'", line, text));
    expect_error(run({"summary", "-c", "bad.yaml"}), fragments);
  }
};

TEST_F(CliText, FolderClassifierTrainsEvaluatesAndReadsBackItsConfig) {
  const CliResult train = run({"train", "-c", "tiny.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  // 12 test texts; the classes share no words. The checkpoint is chosen on 3 validation texts, so the
  // test figures come from an early epoch at times (10 of 12 right).
  EXPECT_GE(m["test_accuracy"].get<double>(), 0.8) << train.out;
  EXPECT_GE(m["test_f1_binary"].get<double>(), 0.8) << train.out;
  EXPECT_EQ(m["selected_on"], "validation") << train.out;
  EXPECT_NE(train.err.find("mail (48 texts; classes ham, spam; word tokenizer"), std::string::npos)
      << train.err;
  // data.val_fraction 0.1 (the default) holds out 3 of the 36 training texts for validation.
  EXPECT_NE(train.err.find("(33 train, 3 validation)"), std::string::npos) << train.err;

  // The resolved config holds every data.text field and trains the same run again.
  const std::string config = read_text(dir_ / "run" / "config.yaml");
  for (const char* field : {"path: mail", "tokenizer: word", "lowercase: true", "min_freq: 1", "max_vocab: 0",
                            "test_fraction: 0.25", "max_length: 20", "max_bytes: 0", "extensions: [.txt]"})
    EXPECT_NE(config.find(field), std::string::npos) << field << " not in:\n" << config;
  const CliResult again = run({"train", "-c", "run/config.yaml", "--out", "run2", "--no-progress"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(read_text(dir_ / "run2" / "config.yaml"), config);
  EXPECT_EQ(nlohmann::json::parse(lines_of(again.out).at(0))["test_accuracy"], m["test_accuracy"]);

  // eval of the selected checkpoint reproduces the test metrics and reports both classes by name.
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(e["test_accuracy"].get<double>(), m["test_accuracy"].get<double>(), 1e-6);
  EXPECT_EQ(e["samples"], 12);
  const std::string report = read_text(dir_ / "run" / "classification_report.txt");
  for (const char* name : {"ham", "spam", "macro avg"})
    EXPECT_NE(report.find(name), std::string::npos) << report;

  // generate needs a language model.
  expect_error(run({"generate", "-c", "tiny.yaml", "--checkpoint", "run/last.safetensors"}),
               {"generate: tiny.yaml trains on dataset 'text-folder'; generate needs a language model"});

  // summary runs a padded i64 batch through the layers.
  const CliResult summary = run({"summary", "-c", "tiny.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  for (const char* part : {"Embedding", "[1, 20, 8]", "GRU", "[1, 20, 16]", "GlobalAvgPool1d", "[1, 16]"})
    EXPECT_NE(summary.out.find(part), std::string::npos) << part << " not in:\n" << summary.out;
}

TEST_F(CliText, LanguageModelTrainsEvaluatesAndGenerates) {
  const CliResult train =
      run({"train", "-c", "lm.yaml", "--out", "run", "--no-progress", "--set", "training.clip_grad_norm=1"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  // The resolved config holds the clipping and the evaluation batch (batch_size for a language model).
  const std::string config = read_text(dir_ / "run" / "config.yaml");
  for (const char* field : {"clip_grad_norm: 1", "clip_grad_value: 0", "eval_batch_size: 16"})
    EXPECT_NE(config.find(field), std::string::npos) << field << " not in:\n" << config;
  // A few repeated sentences: far below the unigram model's 4.25 bits per character (about 0.5 after 6
  // epochs).
  EXPECT_LT(m["test_bits_per_char"].get<double>(), 2.0) << train.out;
  EXPECT_NE(train.err.find("a unigram model scores 4.248 bits per token"), std::string::npos) << train.err;
  EXPECT_NE(train.err.find("book.txt (char tokenizer,"), std::string::npos) << train.err;
  const std::string csv = read_text(dir_ / "run" / "metrics.csv");
  EXPECT_NE(csv.find("val_bits_per_char"), std::string::npos) << csv;
  EXPECT_NE(csv.find("val_accuracy"), std::string::npos) << csv;  // per character

  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(e["test_bits_per_char"].get<double>(), m["test_bits_per_char"].get<double>(), 1e-6);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "classification_report.txt"));  // no report over characters

  const CliResult gen = run({"generate", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors",
                             "--prompt", "Call me", "--tokens", "40", "--temperature", "0"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind("Call me", 0), 0u) << gen.out;
  EXPECT_GE(gen.out.size(), 7u + 30u) << gen.out;  // the prompt and about 40 sampled characters

  const CliResult summary = run({"summary", "-c", "lm.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("Flatten"), std::string::npos) << summary.out;
}

// model.zoo: gpt on a text-lm config: the vocabulary and block_size come from the data, the logits are
// flattened to the targets' rows, and generate samples through the GPT's KV cache.
TEST_F(CliText, GptLanguageModelTrainsAndGenerates) {
  std::string config = kLmConfig;
  const size_t from = config.find("model:\n"), to = config.find("optimizer:");
  config.replace(from, to - from, "model: {zoo: gpt, n_layer: 1, n_head: 2, n_embd: 16}\n");
  config.replace(config.find("{name: adam, lr: 0.02}"), 22, "{name: adamw, lr: 0.01}");
  // Windows every 3 characters and 2 epochs: on 32-character windows at fixed offsets the learned positions
  // memorise the few training windows instead.
  config.replace(config.find("    seq_len: 32\n"), 16, "    seq_len: 32\n    stride: 3\n");
  config.replace(config.find("epochs: 6"), 9, "epochs: 2");
  write("gpt.yaml", config);
  const CliResult train = run({"train", "-c", "gpt.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  EXPECT_LT(m["test_bits_per_char"].get<double>(), 1.0) << train.out;  // unigram: 4.25; about 0.3
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(lines_of(eval.out).back())["test_bits_per_char"].get<double>(),
              m["test_bits_per_char"].get<double>(), 1e-6);
  // 60 characters run past block_size (32): the generation window moves on.
  const CliResult gen = run({"generate", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors",
                             "--prompt", "Call me", "--tokens", "60", "--top-p", "0.9", "--seed", "3"});
  ASSERT_EQ(gen.code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind("Call me", 0), 0u) << gen.out;
  EXPECT_GE(gen.out.size(), 7u + 50u) << gen.out;
  const CliResult summary = run({"summary", "-c", "gpt.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("transformer"), std::string::npos) << summary.out;
  // Mistakes name the field; a classifier of the zoo is no language model.
  write("bad.yaml", std::string(config).replace(config.find("n_head: 2"), 9, "n_head: 0"));
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:", "field 'model.n_head' must be positive"});
  write("bad.yaml", std::string(config).replace(config.find("n_head: 2"), 9, "n_head: 3"));
  expect_error(run({"summary", "-c", "bad.yaml"}), {"n_embd (16) must be divisible by n_head (3)"});
  write("bad.yaml", std::string(config).replace(config.find("zoo: gpt"), 8, "zoo: resnet20"));
  expect_error(run({"summary", "-c", "bad.yaml"}), {"bad.yaml:", "n_layer"});
}

// The tokenizer a run fitted is saved in its folder and used by eval and generate, not fitted again: after
// the text changes so that a new fit would give another vocabulary, eval still fits the checkpoint, and
// generate works with the text gone.
TEST_F(CliText, SavedTokenizerServesEvalAndGenerate) {
  const CliResult train = run({"train", "-c", "lm.yaml", "--out", "run", "--no-progress", "--epochs", "1"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json saved = nlohmann::json::parse(read_text(dir_ / "run" / "tokenizer.json"));
  EXPECT_EQ(saved["type"], "char");
  // Characters the training part never had: fitted again, the vocabulary would grow by 6.
  write("book.txt", "QZXJKV " + book_text());
  const std::vector<std::string> eval{"eval", "-c", "run/config.yaml", "--checkpoint",
                                      "run/best.safetensors"};
  const CliResult with_saved = run(eval);
  ASSERT_EQ(with_saved.code, 0) << with_saved.err;
  EXPECT_EQ(with_saved.err.find("fitted again"), std::string::npos) << with_saved.err;
  // Without the saved tokenizer the new fit no longer fits the model: proof the saved one was used above.
  fs::copy_file(dir_ / "run" / "tokenizer.json", dir_ / "tokenizer.json");
  fs::remove(dir_ / "run" / "tokenizer.json");
  const CliResult refit = run(eval);
  EXPECT_EQ(refit.code, 2);
  EXPECT_NE(refit.err.find("no saved preprocessing beside run/best.safetensors; fitted again"),
            std::string::npos)
      << refit.err;
  EXPECT_NE(refit.err.find("does not fit the model"), std::string::npos) << refit.err;

  // generate reads only the run folder's tokenizer: the text may be gone.
  fs::copy_file(dir_ / "tokenizer.json", dir_ / "run" / "tokenizer.json");
  fs::remove(dir_ / "book.txt");
  const std::vector<std::string> generate{
      "generate", "-c",      "run/config.yaml", "--checkpoint", "run/best.safetensors",
      "--prompt", "Call me", "--tokens",        "20",           "--temperature",
      "0"};
  const CliResult gen = run(generate);
  ASSERT_EQ(gen.code, 0) << gen.err;
  EXPECT_EQ(gen.out.rfind("Call me", 0), 0u) << gen.out;
  // Without it, generate fits again from the text, which is gone.
  fs::remove(dir_ / "run" / "tokenizer.json");
  const CliResult gone = run(generate);
  EXPECT_EQ(gone.code, 2);
  EXPECT_NE(gone.err.find("no saved tokenizer.json beside run/best.safetensors; fitted again"),
            std::string::npos)
      << gone.err;
  EXPECT_NE(gone.err.find("cannot open book.txt"), std::string::npos) << gone.err;
}

// data.text.augment: EDA on the training texts only. The training losses differ from the same run without
// it (same seed), the test split is not augmented (eval reproduces the run's test metrics), and the resolved
// config reads back.
TEST_F(CliText, TextAugmentationChangesOnlyTheTrainingTexts) {
  write_variant("aug.yaml", kFolderConfig, 9,
                "    test_fraction: 0.25\n    augment: {synonym_replacement: 0.1, random_insertion: 0.1, "
                "random_swap: 0.2, random_deletion: 0.1, seed: 3}");
  const CliResult plain = run({"train", "-c", "tiny.yaml", "--out", "plain", "--no-progress"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  const CliResult train = run({"train", "-c", "aug.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.err.find("EDA augmentation"), std::string::npos) << train.err;
  const nlohmann::json m = nlohmann::json::parse(lines_of(train.out).at(0));
  EXPECT_GE(m["test_accuracy"].get<double>(), 0.8) << train.out;  // selected on 3 validation texts
  const auto losses = [&](const char* run_dir) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(read_text(dir_ / run_dir / "metrics.csv")))
      out.push_back(line.substr(0, 20));
    return out;
  };
  EXPECT_NE(losses("run"), losses("plain"));

  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(lines_of(eval.out).back())["test_accuracy"].get<double>(),
              m["test_accuracy"].get<double>(), 1e-6);
  const std::string config = read_text(dir_ / "run" / "config.yaml");
  for (const char* field :
       {"synonym_replacement: 0.1", "random_swap: 0.2", "random_deletion: 0.1", "seed: 3"})
    EXPECT_NE(config.find(field), std::string::npos) << field << " not in:\n" << config;
  const CliResult again = run({"summary", "-c", "run/config.yaml"});
  EXPECT_EQ(again.code, 0) << again.err;
}

TEST_F(CliText, DataTextMistakesNameFileLineAndField) {
  expect_variant_error(7, "    tokenizer: wordpiece",
                       {"bad.yaml:7:", "unknown tokenizer 'wordpiece'", "(known: char, word, bpe)"});
  expect_variant_error(6, "    path: nowhere",
                       {"bad.yaml:6:", "'data.text.path'", "folder 'nowhere' does not exist"});
  expect_variant_error(6, "", {"bad.yaml:", "'data.text' needs 'corpus'", "or 'path'"});
  expect_variant_error(6, "    corpus: enron",
                       {"bad.yaml:6:", "unknown corpus 'enron' for dataset 'text-folder'"});
  expect_variant_error(8, "    seq_len: 50",
                       {"bad.yaml:8:", "field 'data.text.seq_len' does not apply to dataset 'text-folder'"});
  expect_variant_error(8, "    max_lenght: 20",
                       {"bad.yaml:8:", "unknown field 'data.text.max_lenght'", "did you mean 'max_length'?"});
  expect_variant_error(9, "    test_fraction: 1.5",
                       {"bad.yaml:9:", "'data.text.test_fraction' must be in (0, 1)"});
  expect_variant_error(3, "  dataset: mnist",
                       {"bad.yaml:6:", "'data.text' does not apply to dataset 'mnist'"});
  expect_variant_error(6, "    path: missing.txt", {"bad.yaml:6:", "text file 'missing.txt' does not exist"},
                       kLmConfig);
  expect_variant_error(7, "    max_bytes: 100", {"bad.yaml:7:", "does not apply to dataset 'text-lm'"},
                       kLmConfig);
  // A text dataset without data.text: reported at the line that names the dataset.
  write("no_text.yaml", "data:\n  batch_size: 8\n  dataset: text-lm\nmodel:\n  layers: [flatten]\n");
  expect_error(run({"summary", "-c", "no_text.yaml"}),
               {"no_text.yaml:3:", "dataset 'text-lm' needs a 'data.text' section"});
  // data.text.augment (text-folder only).
  const std::string rate = "    test_fraction: 0.25\n    augment: ";
  expect_variant_error(9, rate + "{random_swap: 2}",
                       {"bad.yaml:10:", "field 'data.text.augment.random_swap' must be in [0, 1] (0: off)"});
  expect_variant_error(
      9, rate + "{random_swop: 0.1}",
      {"bad.yaml:10:", "unknown field 'data.text.augment.random_swop'", "did you mean 'random_swap'?"});
  expect_variant_error(9, rate + "{seed: 3}", {"bad.yaml:10:", "turns every operation off"});
  expect_variant_error(9, rate + "eda", {"bad.yaml:10:", "'data.text.augment' must be a map of EDA rates"});
  expect_variant_error(8, "    test_fraction: 0.1\n    augment: {random_swap: 0.1}",
                       {"bad.yaml:9:", "field 'data.text.augment' does not apply to dataset 'text-lm'"},
                       kLmConfig);
  // Evaluation batches and gradient clipping.
  expect_variant_error(4, "  batch_size: 8\n  eval_batch_size: 0",
                       {"bad.yaml:5:", "field 'data.eval_batch_size' must be positive"});
  expect_variant_error(19, "  threads: 1\n  clip_grad_norm: -1",
                       {"bad.yaml:20:", "field 'training.clip_grad_norm' must be >= 0 (0: off), got -1"});
  expect_variant_error(19, "  threads: 1\n  clip_grad_value: [1]",
                       {"bad.yaml:20:", "field 'training.clip_grad_value' must be a number"});
  // An override is checked like the file and named instead of a line.
  expect_error(run({"summary", "-c", "tiny.yaml", "--set", "data.text.tokenizer=bpf"}),
               {"--set data.text.tokenizer=bpf: unknown tokenizer 'bpf'"});
}

TEST_F(CliText, SequenceLayerMistakesNameTheLayerLine) {
  expect_variant_error(
      13, "    - gru: {input_size: 8, hiden_size: 8}",
      {"bad.yaml:13:", "layer 'gru' has no argument 'hiden_size'", "did you mean 'hidden_size'?"});
  expect_variant_error(13, "    - rnn: {input_size: 8, hidden_size: 8, nonlinearity: sigmoid}",
                       {"bad.yaml:13:", "argument 'nonlinearity' must be 'tanh' or 'relu', got 'sigmoid'"});
  expect_variant_error(13, "    - lstm: {input_size: 8, hidden_size: eight}",
                       {"bad.yaml:13:", "argument 'hidden_size' must be an integer, got 'eight'"});
  // The recurrent layer's input_size does not match the embedding's output.
  expect_variant_error(13, "    - gru: {input_size: 32, hidden_size: 8, bidirectional: true}",
                       {"bad.yaml:13:", "layer 'gru' (layer 1) does not fit its input of shape [1, 20, 8]"});
  // Padded batches need the embedding to know the padding; the vocabulary must fit.
  expect_variant_error(12, "    - embedding: {num_embeddings: vocab_size, embedding_dim: 8}",
                       {"bad.yaml:12:", "padded with token id 0, so it needs padding_idx: 0 (got none)"});
  expect_variant_error(12, "    - embedding: {num_embeddings: 5, embedding_dim: 8, padding_idx: 0}",
                       {"bad.yaml:12:", "num_embeddings 5 is smaller than the vocabulary of the data"});
  // Without a pool the output keeps its steps: reported at the last layer.
  expect_variant_error(14, "", {"bad.yaml:14:", "one score per class (2: output [batch, 2])", "[1, 20, 2]"});
  // A language model must end with one row of logits per step.
  expect_variant_error(
      14, "", {"bad.yaml:13:", "for text-lm the model must give one row of", "flatten: {start: 0, end: 1}"},
      kLmConfig);
  // vocab_size needs a text dataset.
  write("image.yaml", "model:\n  layers:\n    - flatten\n    - linear: {in: 784, out: vocab_size}\n");
  expect_error(run({"summary", "-c", "image.yaml"}),
               {"image.yaml:4:", "argument 'out' is vocab_size, but the data has no vocabulary"});
}

}  // namespace
}  // namespace strata::cli_test
