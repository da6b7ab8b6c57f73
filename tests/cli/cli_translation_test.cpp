// `strata train`, `eval` and `translate` on a translation config, with a small dictionary in trans-de-en's
// format written by the test: a short run writes its tokenizer and BLEU log, eval reports test BLEU with
// greedy and beam search, translate prints a sentence; config and argument mistakes are named.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

// 120 entries "Nomen {n} | Der Hund sieht die Katze. :: noun | The dog sees the cat." from a few words.
std::string dictionary() {
  const std::vector<std::pair<std::string, std::string>> subjects{{"Der Hund", "The dog"},
                                                                  {"Die Katze", "The cat"},
                                                                  {"Der Mann", "The man"},
                                                                  {"Die Frau", "The woman"},
                                                                  {"Das Kind", "The child"}};
  const std::vector<std::pair<std::string, std::string>> verbs{
      {"sieht", "sees"}, {"hört", "hears"}, {"findet", "finds"}, {"sucht", "looks for"}};
  const std::vector<std::pair<std::string, std::string>> objects{
      {"das Haus", "the house"}, {"den Ball", "the ball"}, {"das Buch", "the book"},
      {"den Baum", "the tree"},  {"die Tür", "the door"},  {"das Auto", "the car"}};
  std::string text = "# Version :: test\n";
  for (const auto& [s_de, s_en] : subjects)
    for (const auto& [v_de, v_en] : verbs)
      for (const auto& [o_de, o_en] : objects)
        text +=
            fmt::format("Wort {{n}} | {} {} {}. :: word | {} {} {}.\n", s_de, v_de, o_de, s_en, v_en, o_en);
  return text;
}

constexpr const char* kConfig = R"(name: tiny_mt
data:
  dataset: translation
  batch_size: 16
  text:
    path: dict.txt
    tokenizer: bpe
    vocab_size: 300
    max_length: 32
    test_fraction: 0.1
    val_fraction: 0.1
    bleu_sentences: 8
model:
  zoo: transformer_seq2seq
  d_model: 32
  nhead: 2
  num_encoder_layers: 1
  num_decoder_layers: 1
  dim_feedforward: 64
  dropout: 0.0
optimizer: {name: adamw, lr: 0.005}
training:
  epochs: 2
  threads: 1
metrics: [loss]
)";

using CliTranslation = CliFixture;

TEST_F(CliTranslation, TrainEvalTranslate) {
  write("dict.txt", dictionary());
  write("mt.yaml", kConfig);
  const CliResult train = run({"train", "-c", "mt.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.err.find("epoch 2 val_loss"), std::string::npos) << train.err;
  EXPECT_NE(train.err.find("val_bleu"), std::string::npos) << train.err;
  EXPECT_TRUE(fs::exists(dir_ / "run" / "tokenizer.json"));
  EXPECT_NE(read_text(dir_ / "run" / "tokenizer.json").find("byte_level_bpe"), std::string::npos);
  const auto bleu_log = lines_of(read_text(dir_ / "run" / "bleu.csv"));
  ASSERT_EQ(bleu_log.size(), 3U);
  EXPECT_EQ(bleu_log[0], "epoch,val_loss,val_bleu");

  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json e = nlohmann::json::parse(lines_of(eval.out).back());
  for (const char* key : {"test_loss", "test_bleu_greedy", "test_bleu_beam4"}) {
    ASSERT_TRUE(e.contains(key)) << eval.out;
    EXPECT_GE(e[key].get<double>(), 0.0);
  }
  EXPECT_LE(e["test_bleu_beam4"].get<double>(), 1.0);
  // The resolved config (ignore_index: -100 written back) still skips the padding: the same test loss.
  const nlohmann::json t = nlohmann::json::parse(lines_of(train.out).back());
  EXPECT_NEAR(e["test_loss"].get<double>(), t["test_loss"].get<double>(), 1e-4);
  const auto tsv = lines_of(read_text(dir_ / "run" / "translations.tsv"));
  ASSERT_GE(tsv.size(), 2U);
  EXPECT_EQ(tsv[0], "german\treference\tgreedy\tbeam4");

  const CliResult tr = run({"translate", "-c", "mt.yaml", "--checkpoint", "run/best.safetensors", "--text",
                            "Der Hund sieht das Haus.", "--beam", "3"});
  ASSERT_EQ(tr.code, 0) << tr.err;
  EXPECT_EQ(lines_of(tr.out).size(), 1U) << tr.out;

  // Bad arguments.
  expect_error(run({"translate", "-c", "mt.yaml", "--checkpoint", "run/best.safetensors", "--text", "Hallo.",
                    "--beam", "0"}),
               {"--beam must be at least 1, got 0"});
  expect_error(run({"translate", "-c", "mt.yaml", "--checkpoint", "run/best.safetensors", "--text", "  "}),
               {"--text is empty"});
  fs::create_directories(dir_ / "bare");
  fs::copy_file(dir_ / "run" / "best.safetensors", dir_ / "bare" / "best.safetensors");
  expect_error(
      run({"translate", "-c", "mt.yaml", "--checkpoint", "bare/best.safetensors", "--text", "Hallo."}),
      {"holds no tokenizer.json", "bare/best.safetensors"});
}

TEST_F(CliTranslation, ConfigMistakesAreNamed) {
  write("dict.txt", dictionary());
  write("mt.yaml", kConfig);
  expect_error(run({"summary", "-c", "mt.yaml", "--set", "data.text.tokenizer=word"}),
               {"dataset 'translation' needs tokenizer 'bpe'"});
  expect_error(run({"summary", "-c", "mt.yaml", "--set", "data.text.vocab_size=100"}),
               {"'data.text.vocab_size' must be at least 259"});
  expect_error(run({"summary", "-c", "mt.yaml", "--set", "data.text.seq_len=10"}),
               {"field 'data.text.seq_len' does not apply to dataset 'translation'"});
  expect_error(run({"summary", "-c", "mt.yaml", "--set", "model.nhead=3"}), {"d_model 32", "nhead 3"});
  expect_error(run({"summary", "-c", "mt.yaml", "--set", "data.text.path=missing.txt"}), {"missing.txt"});
  write("lm.yaml", "data:\n  dataset: text-lm\n  text: {path: dict.txt}\nmodel: {zoo: lenet5}\n");
  write("w.safetensors", "");
  expect_error(run({"translate", "-c", "lm.yaml", "--checkpoint", "w.safetensors", "--text", "Hallo."}),
               {"translate needs a translation config"});
}

TEST_F(CliTranslation, MissingDictionaryNamesThePackage) {
  write("mt.yaml",
        std::string(kConfig).replace(std::string(kConfig).find("path: dict.txt"), 14, "corpus: de-en"));
  const CliResult r = run({"summary", "-c", "mt.yaml", "--set", "data.limit=1"});
  if (fs::exists("/usr/share/trans/de-en")) {
    EXPECT_EQ(r.code, 0) << r.err;
  } else {
    expect_error(r, {"trans-de-en"});
  }
}

}  // namespace
}  // namespace strata::cli_test
