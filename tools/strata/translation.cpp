#include "translation.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>

#include "model_builder.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/threading.h"
#include "strata/data/text/translation_dataset.h"
#include "strata/io/atomic_file.h"
#include "strata/io/model_state.h"
#include "strata/metrics/bleu.h"
#include "strata/train/trainer.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
namespace text = data::text;

text::TranslationSplits splits_of(const Config& c) {
  const TextDataConfig& t = c.data.text;
  return text::split_translation_pairs(text::load_de_en_sentences(t.path), t.val_fraction, t.test_fraction);
}

std::vector<text::SentencePair> first(std::vector<text::SentencePair> pairs, int64_t limit) {
  if (limit > 0 && limit < static_cast<int64_t>(pairs.size())) pairs.resize(static_cast<size_t>(limit));
  return pairs;
}

text::TranslationTokens tokens_of(const TextTokenizer& tok, int64_t max_length) {
  return {.pad_id = tok.pad_id(),
          .bos_id = tok.special_id("<bos>"),
          .eos_id = tok.special_id("<eos>"),
          .max_length = max_length};
}

std::shared_ptr<const data::Dataset> dataset_of(const std::vector<text::SentencePair>& pairs,
                                                const TextTokenizer& tok, int64_t max_length) {
  return std::make_shared<text::TranslationDataset>(
      pairs, [&tok](std::string_view s) { return tok.encode(s); }, tokens_of(tok, max_length));
}

// What describes the model's inputs: vocabulary, padding, batches.
void use_tokenizer(TrainingData& d, const TextTokenizer& tok) {
  d.input_shape = Shape{1, 2, 8};
  d.input_dtype = kInt64;
  d.vocab_size = tok.vocab_size();
  d.pad_id = tok.pad_id();
  d.collate = text::translation_collate(tok.pad_id());
}

models::TransformerSeq2SeqImpl& seq2seq_of(nn::Module& model, const Config& c) {
  auto* m = dynamic_cast<models::TransformerSeq2SeqImpl*>(&model);
  STRATA_CHECK(m != nullptr, "{}: dataset 'translation' needs model 'zoo: transformer_seq2seq'", c.path);
  return *m;
}

int64_t decode_length(const Config& c) { return c.data.text.max_length > 0 ? c.data.text.max_length : 64; }

}  // namespace

std::vector<text::SentencePair> translation_pairs(const Config& c, bool validation) {
  text::TranslationSplits s = splits_of(c);
  return validation ? std::move(s.valid) : first(std::move(s.test), c.data.test_limit);
}

TrainingData load_translation_data(const Config& c, bool with_train) {
  const TextDataConfig& t = c.data.text;
  text::TranslationSplits s = splits_of(c);
  const std::vector<text::SentencePair> train = first(std::move(s.train), c.data.limit);
  const std::vector<text::SentencePair> test = first(std::move(s.test), c.data.test_limit);
  STRATA_CHECK(
      !train.empty() && !test.empty() && !s.valid.empty(),
      "{}: data.text.val_fraction {} and test_fraction {} leave an empty training, validation or test "
      "split",
      c.path, t.val_fraction, t.test_fraction);
  std::vector<std::string> texts;
  texts.reserve(2 * train.size());
  for (const auto& p : train) {
    texts.push_back(p.source);
    texts.push_back(p.target);
  }
  const auto tok = std::make_shared<TextTokenizer>(TextTokenizer::fit(t, texts));
  TrainingData d;
  if (with_train) {
    d.train = dataset_of(train, *tok, t.max_length);
    d.val = dataset_of(s.valid, *tok, t.max_length);
  }
  d.test = dataset_of(test, *tok, t.max_length);
  use_tokenizer(d, *tok);
  d.description =
      fmt::format("German-English pairs of {} ({} train, {} validation, {} test; bpe tokenizer, {} tokens)",
                  t.path.empty() ? text::de_en_path() : t.path, train.size(), s.valid.size(), test.size(),
                  tok->vocab_size());
  d.save_preprocessing = [tok](const std::string& run_dir) { save_tokenizer(*tok, run_dir); };
  d.load_preprocessing = [test, max_length = t.max_length](const std::string& run_dir, TrainingData& data) {
    const std::optional<TextTokenizer> saved = load_tokenizer(run_dir);
    if (!saved) return false;
    const auto kept = std::make_shared<TextTokenizer>(*saved);
    data.test = dataset_of(test, *kept, max_length);
    use_tokenizer(data, *kept);
    return true;
  };
  return d;
}

text::SearchOptions search_options(const TextTokenizer& tok, int64_t beam_size, double length_penalty,
                                   int64_t max_length) {
  return {.bos_id = tok.special_id("<bos>"),
          .eos_id = tok.special_id("<eos>"),
          .max_length = max_length,
          .beam_size = beam_size,
          .length_penalty = length_penalty};
}

std::vector<std::string> translate_texts(models::TransformerSeq2SeqImpl& model, const TextTokenizer& tok,
                                         const std::vector<std::string>& sources,
                                         const text::SearchOptions& search, int64_t batch_size,
                                         int64_t max_source_length) {
  STRATA_CHECK(batch_size > 0, "translate: batch_size must be positive, got {}", batch_size);
  const int64_t eos = tok.special_id("<eos>");
  std::vector<std::vector<int64_t>> ids;
  ids.reserve(sources.size());
  for (const auto& s : sources) {
    std::vector<int64_t> v = tok.encode(s);
    if (max_source_length > 0 && static_cast<int64_t>(v.size()) >= max_source_length)
      v.resize(static_cast<size_t>(max_source_length - 1));
    v.push_back(eos);
    ids.push_back(std::move(v));
  }
  // Batches of similar lengths pad less.
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return ids[a].size() < ids[b].size(); });
  std::vector<std::string> out(sources.size());
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size));
    std::vector<std::vector<int64_t>> batch;
    for (size_t i = start; i < end; ++i) batch.push_back(ids[order[i]]);
    const auto hyps = model.translate(text::pad_sources(batch, tok.pad_id()), search);
    for (size_t i = start; i < end; ++i) out[order[i]] = tok.decode(hyps[i - start].tokens);
  }
  return out;
}

double translation_bleu(models::TransformerSeq2SeqImpl& model, const TextTokenizer& tok,
                        const std::vector<text::SentencePair>& pairs, const text::SearchOptions& search,
                        int64_t batch_size, int64_t max_source_length,
                        std::vector<std::pair<std::string, std::string>>* translations) {
  std::vector<std::string> sources;
  std::map<std::string, size_t> index;
  std::vector<std::vector<metrics::Tokens>> references;
  for (const auto& p : pairs) {
    auto [it, added] = index.emplace(p.source, sources.size());
    if (added) {
      sources.push_back(p.source);
      references.emplace_back();
    }
    references[it->second].push_back(metrics::bleu_tokenize(p.target));
  }
  const std::vector<std::string> hyps =
      translate_texts(model, tok, sources, search, batch_size, max_source_length);
  std::vector<metrics::Tokens> hyp_tokens;
  hyp_tokens.reserve(hyps.size());
  for (const auto& h : hyps) hyp_tokens.push_back(metrics::bleu_tokenize(h));
  if (translations != nullptr) {
    translations->clear();
    for (size_t i = 0; i < sources.size(); ++i) translations->emplace_back(sources[i], hyps[i]);
  }
  return metrics::corpus_bleu(references, hyp_tokens);
}

namespace {

class BleuCallback : public train::Callback {
 public:
  BleuCallback(Config c, std::vector<text::SentencePair> pairs, std::shared_ptr<TextTokenizer> tok,
               std::shared_ptr<nn::Module> model, std::string out_dir)
      : c_(std::move(c)),
        pairs_(std::move(pairs)),
        tok_(std::move(tok)),
        model_(std::move(model)),
        out_dir_(std::move(out_dir)) {}

  void on_epoch_end(train::Trainer&, int epoch, const train::Logs& logs) override {
    auto& m = seq2seq_of(*model_, c_);
    const double bleu = translation_bleu(m, *tok_, pairs_, search_options(*tok_, 1, 1.0, decode_length(c_)),
                                         c_.data.eval_batch_size, c_.data.text.max_length);
    const auto loss = logs.find("val_loss");
    std::cerr << fmt::format(
        "strata train: epoch {} val_loss {:.4f} val_bleu {:.4f} (greedy, {} sentences)\n", epoch,
        loss == logs.end() ? 0.0 : loss->second, bleu, pairs_.size());
    const std::string path = out_dir_ + "/bleu.csv";
    // The earlier epochs' rows (a resumed run repeats none), then this one's, written atomically.
    std::string text = "epoch,val_loss,val_bleu\n";
    if (epoch > 1 && fs::exists(path)) {
      std::ifstream in(path);
      std::string line;
      std::getline(in, line);  // header
      while (std::getline(in, line)) {
        if (!line.empty() && std::atoi(line.c_str()) < epoch) text += line + "\n";
      }
    }
    text += fmt::format("{},{:.6f},{:.6f}\n", epoch, loss == logs.end() ? 0.0 : loss->second, bleu);
    io::write_file_atomic(path, text);
  }

 private:
  Config c_;
  std::vector<text::SentencePair> pairs_;
  std::shared_ptr<TextTokenizer> tok_;
  std::shared_ptr<nn::Module> model_;
  std::string out_dir_;
};

}  // namespace

std::shared_ptr<train::Callback> make_bleu_callback(const Config& c, const TrainingData& d,
                                                    std::shared_ptr<nn::Module> model,
                                                    const std::string& out_dir) {
  seq2seq_of(*model, c);
  (void)d;
  // The tokenizer the run saved (fitted on the training split).
  const std::optional<TextTokenizer> tok = load_tokenizer(out_dir);
  STRATA_CHECK(tok.has_value(), "strata train: {} holds no tokenizer.json", out_dir);
  std::vector<text::SentencePair> pairs = first(translation_pairs(c, true), c.data.text.bleu_sentences);
  return std::make_shared<BleuCallback>(c, std::move(pairs), std::make_shared<TextTokenizer>(*tok),
                                        std::move(model), out_dir);
}

std::vector<std::pair<std::string, std::string>> translation_eval(const Config& c, const std::string& run_dir,
                                                                  nn::Module& model,
                                                                  const std::string& report_dir) {
  auto& m = seq2seq_of(model, c);
  const std::optional<TextTokenizer> tok = load_tokenizer(run_dir);
  STRATA_CHECK(tok.has_value(),
               "strata eval: {} holds no {}; translation needs the tokenizer the model was trained with",
               run_dir, kTokenizerFile);
  const std::vector<text::SentencePair> pairs = translation_pairs(c, false);
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::pair<std::string, std::string>> greedy, beam;
  for (const int64_t size : {int64_t{1}, int64_t{4}}) {
    const double bleu =
        translation_bleu(m, *tok, pairs, search_options(*tok, size, 1.0, decode_length(c)),
                         c.data.eval_batch_size, c.data.text.max_length, size == 1 ? &greedy : &beam);
    out.emplace_back(size == 1 ? "test_bleu_greedy" : "test_bleu_beam4", fmt::format("{:.6g}", bleu));
  }
  std::map<std::string, std::string> reference;
  for (const auto& p : pairs) reference.emplace(p.source, p.target);
  std::error_code error;
  fs::create_directories(report_dir, error);
  STRATA_CHECK(!error, "cannot create the report folder {}: {}", report_dir, error.message());
  const std::string path = (fs::path(report_dir) / "translations.tsv").string();
  std::string tsv = "german\treference\tgreedy\tbeam4\n";
  for (size_t i = 0; i < greedy.size(); ++i)
    tsv += greedy[i].first + "\t" + reference[greedy[i].first] + "\t" + greedy[i].second + "\t" +
           beam[i].second + "\n";
  io::write_file_atomic(path, tsv);
  std::cerr << fmt::format("strata eval: {} translations written to {}\n", greedy.size(), path);
  return out;
}

CLI::App* add_translate_command(CLI::App& app, TranslateArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "translate", "Translate a German sentence with a model trained on a translation config");
  cmd->add_option("-c,--config", args.config,
                  "translation config of strata train (configs/de_en_transformer.yaml)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", args.checkpoint,
                  "best/last.safetensors of strata train (tokenizer.json beside it)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--text", args.text, "The German sentence")->type_name("TEXT")->required();
  cmd->add_option("--beam", args.beam, "Beam size; 1 is greedy (default 1)")->type_name("K");
  cmd->add_option("--length-penalty", args.length_penalty, "Beam scores are log p / length^this (default 1)")
      ->type_name("A");
  cmd->add_option("--max-length", args.max_length,
                  "Most tokens to generate (default data.text.max_length or 64)")
      ->type_name("N");
  return cmd;
}

int run_translate(const TranslateArgs& args) {
  STRATA_CHECK(args.beam >= 1, "translate: --beam must be at least 1, got {}", args.beam);
  STRATA_CHECK(args.length_penalty >= 0, "translate: --length-penalty must be >= 0, got {}",
               args.length_penalty);
  STRATA_CHECK(args.max_length >= 0, "translate: --max-length must be >= 0 (0: the config's), got {}",
               args.max_length);
  STRATA_CHECK(args.text.find_first_not_of(" \t\n") != std::string::npos, "translate: --text is empty");
  const Config c = load_config(args.config);
  STRATA_CHECK(
      c.data.dataset == "translation",
      "translate: {} trains on dataset '{}'; translate needs a translation config (dataset translation)",
      c.path, c.data.dataset);
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  std::string run_dir = fs::path(args.checkpoint).parent_path().string();
  if (run_dir.empty()) run_dir = ".";
  const std::optional<TextTokenizer> tok = load_tokenizer(run_dir);
  STRATA_CHECK(tok.has_value(), "translate: {} holds no {} beside the checkpoint {}", run_dir, kTokenizerFile,
               args.checkpoint);
  TrainingData d;
  use_tokenizer(d, *tok);
  const std::shared_ptr<nn::Module> model = build_model(c, d);
  const nn::StateDict state = io::load_model_state(args.checkpoint);
  try {
    model->load_state_dict(state);
  } catch (const Error& e) {
    STRATA_FAIL("translate: checkpoint {} does not fit the model of {}: {}", args.checkpoint, c.path,
                e.what());
  }
  auto& m = seq2seq_of(*model, c);
  const int64_t max_length = args.max_length > 0 ? args.max_length : decode_length(c);
  const auto out =
      translate_texts(m, *tok, {args.text}, search_options(*tok, args.beam, args.length_penalty, max_length),
                      1, c.data.text.max_length);
  std::cout << out[0] << std::endl;
  return 0;
}

}  // namespace strata::cli
