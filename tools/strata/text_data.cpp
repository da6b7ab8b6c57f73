// The text datasets of `strata train`: language-modelling windows over one text (text-lm) and labelled
// texts in one folder per class (text-folder).
#include "text_data.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "strata/core/factory.h"
#include "strata/data/text/augment.h"
#include "strata/data/text/collate.h"
#include "strata/data/text/corpora.h"
#include "strata/data/text/lm_dataset.h"
#include "strata/data/text/masking.h"
#include "strata/data/text/text_dataset.h"
#include "strata/io/atomic_file.h"
#include "training_data.h"

namespace strata::cli {

namespace text = data::text;

TextTokenizer TextTokenizer::fit(const TextDataConfig& t, const std::vector<std::string>& texts) {
  TextTokenizer tok;
  if (t.tokenizer == "bpe") {
    tok.bpe_ = text::ByteLevelBPE::train(
        texts, {.vocab_size = t.vocab_size, .min_frequency = 2, .special_tokens = kBpeSpecialTokens});
  } else if (t.tokenizer == "char") {
    std::string all;
    for (const auto& s : texts) all += s;
    tok.char_ = text::CharTokenizer::fit(
        all, {.lowercase = t.lowercase, .min_freq = t.min_freq, .max_size = t.max_vocab});
  } else {
    text::WordTokenizerOptions options{
        .lowercase = t.lowercase, .min_freq = t.min_freq, .max_size = t.max_vocab};
    if (t.masked_lm) {
      // Masked-LM pre-training: a <mask> token, and <bos> first in every text (a token the classifier that
      // starts from this encoder may pool, and that is never masked).
      options.specials.push_back(kMaskToken);
      options.add_bos = true;
    }
    tok.word_ = text::WordTokenizer::fit(texts, options);
  }
  return tok;
}

std::optional<int64_t> TextTokenizer::mask_id() const {
  return word_ ? word_->vocab().find(kMaskToken) : std::nullopt;
}

std::vector<int64_t> TextTokenizer::special_ids() const {
  std::vector<int64_t> ids;
  if (bpe_) {
    for (const std::string& token : bpe_->special_tokens()) ids.push_back(*bpe_->special_id(token));
    return ids;
  }
  const text::Vocab& vocab = word_ ? word_->vocab() : char_->vocab();
  for (int64_t id = 0; id < vocab.size(); ++id) {
    if (vocab.is_special(id)) ids.push_back(id);
  }
  return ids;
}

std::vector<int64_t> TextTokenizer::encode(std::string_view s, int64_t max_length) const {
  if (word_) return word_->encode(s, max_length);
  std::vector<int64_t> ids = bpe_ ? bpe_->encode(s) : char_->encode(s);
  if (max_length > 0 && static_cast<int64_t>(ids.size()) > max_length)
    ids.resize(static_cast<size_t>(max_length));
  return ids;
}

std::string TextTokenizer::decode(const std::vector<int64_t>& ids) const {
  if (bpe_) {
    // Special tokens mark structure, not text.
    std::vector<int64_t> text_ids;
    const int64_t first_special = bpe_->vocab_size() - static_cast<int64_t>(bpe_->special_tokens().size());
    for (const int64_t id : ids)
      if (id < first_special) text_ids.push_back(id);
    return bpe_->decode(text_ids);
  }
  return word_ ? word_->decode(ids) : char_->decode(ids);
}

int64_t TextTokenizer::vocab_size() const {
  if (bpe_) return bpe_->vocab_size();
  return word_ ? word_->vocab_size() : char_->vocab_size();
}

int64_t TextTokenizer::pad_id() const {
  if (bpe_) return special_id("<pad>");
  const auto pad = word_ ? word_->vocab().pad_id() : char_->vocab().pad_id();
  STRATA_CHECK(pad.has_value(), "the tokenizer has no <pad> token");
  return *pad;
}

int64_t TextTokenizer::special_id(const std::string& token) const {
  std::optional<int64_t> id;
  if (bpe_) {
    id = bpe_->special_id(token);
  } else {
    id = word_ ? word_->vocab().find(token) : char_->vocab().find(token);
  }
  STRATA_CHECK(id.has_value(), "the tokenizer has no {} token", token);
  return *id;
}

std::string TextTokenizer::to_json() const {
  if (bpe_) return bpe_->to_json();
  return word_ ? word_->to_json() : char_->to_json();
}

TextTokenizer TextTokenizer::from_json(const std::string& json, const std::string& source) {
  std::string type;
  try {
    type = nlohmann::json::parse(json).value("type", "");
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("{} is not valid JSON: {}", source, e.what());
  }
  TextTokenizer tok;
  if (type == "char") {
    tok.char_ = text::CharTokenizer::from_json(json, source);
  } else if (type == "word") {
    tok.word_ = text::WordTokenizer::from_json(json, source);
  } else if (type == "byte_level_bpe") {
    tok.bpe_ = text::ByteLevelBPE::from_json(json, source);
  } else {
    STRATA_FAIL("{} holds no char, word or bpe tokenizer (\"type\": \"{}\")", source, type);
  }
  return tok;
}

void save_tokenizer(const TextTokenizer& tokenizer, const std::string& run_dir) {
  const std::string out = (std::filesystem::path(run_dir) / kTokenizerFile).string();
  io::write_file_atomic(out, tokenizer.to_json() + "\n");
}

std::optional<TextTokenizer> load_tokenizer(const std::string& run_dir) {
  const std::filesystem::path saved = std::filesystem::path(run_dir) / kTokenizerFile;
  if (!std::filesystem::is_regular_file(saved)) return std::nullopt;
  std::ifstream in(saved, std::ios::binary);
  std::stringstream json;
  json << in.rdbuf();
  STRATA_CHECK(!in.bad(), "reading {} failed", saved.string());
  return TextTokenizer::from_json(json.str(), saved.string());
}

namespace {

// SplitMix64 of the training seed: the held-out masks draw from a stream apart from the training ones.
uint64_t held_out_seed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "data.text.path: cannot open {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  STRATA_CHECK(!in.bad(), "data.text.path: reading {} failed", path);
  return ss.str();
}

// Where the training part of `s` ends: `fraction` of its bytes, moved on to a character boundary (char
// tokenizer) or to whitespace (word tokenizer), so no token is cut in two.
size_t split_point(const std::string& s, double fraction, bool words) {
  size_t p = static_cast<size_t>(std::llround(fraction * static_cast<double>(s.size())));
  auto inside = [&](size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    return words ? !std::isspace(c) : (c & 0xC0) == 0x80;
  };
  while (p < s.size() && p > 0 && inside(p)) ++p;
  return p;
}

// The first `limit` examples of `dataset` (all when limit is 0).
std::shared_ptr<const data::Dataset> first(std::shared_ptr<const data::Dataset> dataset, int64_t limit) {
  if (limit <= 0 || limit >= dataset->size()) return dataset;
  std::vector<int64_t> indices(static_cast<size_t>(limit));
  std::iota(indices.begin(), indices.end(), 0);
  return std::make_shared<data::Subset>(std::move(dataset), std::move(indices));
}

text::TextCorpus first(text::TextCorpus corpus, int64_t limit) {
  if (limit <= 0 || limit >= corpus.size()) return corpus;
  corpus.texts.resize(static_cast<size_t>(limit));
  corpus.labels.resize(static_cast<size_t>(limit));
  if (!corpus.paths.empty()) corpus.paths.resize(static_cast<size_t>(limit));
  return corpus;
}

std::string source_name(const Config& c) {
  return c.data.text.corpus.empty() ? c.data.text.path : c.data.text.corpus;
}

// A text-lm config's token stream of `part` (the training part or the held-out end).
Tensor token_stream(const Config& c, const TextTokenizer& tok, const std::string& part, const char* which) {
  const std::vector<int64_t> ids = tok.encode(part);
  STRATA_CHECK(static_cast<int64_t>(ids.size()) > c.data.text.seq_len,
               "{}: the {} part of {} holds {} tokens, too few for one window of data.text.seq_len {}",
               c.path, which, source_name(c), ids.size(), c.data.text.seq_len);
  return from_vector(ids);
}

std::shared_ptr<const data::Dataset> language_model_test(const Config& c, const Tensor& test_ids) {
  return first(std::make_shared<text::LanguageModelDataset>(test_ids, c.data.text.seq_len),
               c.data.test_limit);
}

TrainingData load_language_model_data(const Config& c, bool with_train) {
  const TextDataConfig& t = c.data.text;
  const LanguageModelText lm = load_language_model_text(c);
  const TextTokenizer& tok = lm.tokenizer;
  const Tensor train_ids = token_stream(c, tok, lm.train, "training"),
               test_ids = token_stream(c, tok, lm.test, "held-out");
  TrainingData d;
  if (with_train)
    d.train =
        first(std::make_shared<text::LanguageModelDataset>(train_ids, t.seq_len, t.stride), c.data.limit);
  d.test = language_model_test(c, test_ids);
  d.input_shape = Shape{1, t.seq_len};
  d.input_dtype = kInt64;
  d.vocab_size = tok.vocab_size();
  // One next-token target per step, flattened to line up with per-step logits flattened to [B * T, V].
  d.collate = [](const std::vector<data::Example>& examples) {
    data::Batch b = data::default_collate(examples);
    b.target = b.target.reshape(Shape{-1});
    return b;
  };
  const double unigram = text::unigram_bits_per_token(train_ids, test_ids, tok.vocab_size());
  d.description = fmt::format(
      "{} ({} tokenizer, {} tokens; {}-token windows; a unigram model scores {:.3f} bits "
      "per token on the held-out end)",
      source_name(c), t.tokenizer, tok.vocab_size(), t.seq_len, unigram);
  d.save_preprocessing = [tok](const std::string& run_dir) { save_tokenizer(tok, run_dir); };
  d.load_preprocessing = [c, test = lm.test](const std::string& run_dir, TrainingData& data) {
    const std::optional<TextTokenizer> saved = load_tokenizer(run_dir);
    if (!saved) return false;
    data.test = language_model_test(c, token_stream(c, *saved, test, "held-out"));
    data.vocab_size = saved->vocab_size();
    return true;
  };
  return d;
}

// text-folder: the tokenizer's vocabulary, <pad> id and padded batches.
void use_tokenizer(TrainingData& d, const TextTokenizer& tok, int64_t max_length) {
  d.vocab_size = tok.vocab_size();
  d.pad_id = tok.pad_id();
  d.collate = text::pad_collate({.pad_id = tok.pad_id(), .max_length = max_length});
}

text::TextEncoder encoder_of(const TextTokenizer& tok, int64_t max_length) {
  return [tok, max_length](const std::string& s) { return tok.encode(s, max_length); };
}

// data.text.augment as TextClassificationDataset options (none when augmentation is off).
text::TextDatasetOptions augment_options(const Config& c) {
  const TextAugmentConfig& a = c.data.text.augment;
  if (!a.enabled) return {};
  std::shared_ptr<const text::WordNet> wordnet;
  if (a.synonym_replacement > 0 || a.random_insertion > 0) wordnet = text::WordNet::load();
  const text::EDA eda(wordnet, {.alpha_sr = a.synonym_replacement,
                                .alpha_ri = a.random_insertion,
                                .alpha_rs = a.random_swap,
                                .p_rd = a.random_deletion});
  return {.transform = eda.transform(), .seed = a.seed.value_or(c.training.seed)};
}

// data.text.tokenizer_from: a tokenizer.json file, or a run folder holding one.
TextTokenizer tokenizer_from(const Config& c) {
  const std::string& from = c.data.text.tokenizer_from;
  std::filesystem::path file = from;
  if (std::filesystem::is_directory(file)) file /= kTokenizerFile;
  STRATA_CHECK(std::filesystem::is_regular_file(file),
               "{}: data.text.tokenizer_from: {} does not exist (train the run that writes it first)", c.path,
               file.string());
  std::ifstream in(file, std::ios::binary);
  std::stringstream json;
  json << in.rdbuf();
  STRATA_CHECK(!in.bad(), "{}: data.text.tokenizer_from: reading {} failed", c.path, file.string());
  return TextTokenizer::from_json(json.str(), file.string());
}

// Masked-LM pre-training on the training split's texts (their labels unused): every 20th text is held
// out and masked once (the same masks at every evaluation); the others are masked afresh at every read.
TrainingData load_masked_lm_data(const Config& c, const text::TextCorpus& train, const TextTokenizer& tok,
                                 bool with_train) {
  const TextDataConfig& t = c.data.text;
  const std::optional<int64_t> mask = tok.mask_id();
  STRATA_CHECK(mask.has_value(), "{}: data.text.masked_lm: the tokenizer has no {} token", c.path,
               kMaskToken);
  std::vector<std::string> fit_texts, held_texts;
  for (size_t i = 0; i < train.texts.size(); ++i)
    (i % 20 == 19 ? held_texts : fit_texts).push_back(train.texts[i]);
  STRATA_CHECK(!held_texts.empty(),
               "{}: data.text.masked_lm: {} training texts are too few to hold out one in 20", c.path,
               train.texts.size());
  const text::MaskOptions options{.mask_token = *mask,
                                  .vocab_size = tok.vocab_size(),
                                  .mask_prob = t.mask_prob,
                                  .special_ids = tok.special_ids()};
  const auto masked = [&](const std::vector<std::string>& texts, uint64_t seed) {
    auto base = std::make_shared<text::TextClassificationDataset>(
        texts, std::vector<int64_t>(texts.size(), 0), encoder_of(tok, t.max_length));
    return std::make_shared<text::MaskedLanguageModelDataset>(base, options, seed);
  };
  TrainingData d;
  if (with_train) d.train = masked(fit_texts, c.training.seed);
  d.test = first(masked(held_texts, held_out_seed(c.training.seed)), c.data.test_limit);
  d.input_shape = Shape{1, t.max_length > 0 ? t.max_length : 64};
  d.input_dtype = kInt64;
  d.vocab_size = tok.vocab_size();
  d.pad_id = tok.pad_id();
  d.collate = text::masked_lm_collate(tok.pad_id(), -100, t.max_length);
  d.description = fmt::format(
      "{} texts of the training split, unlabelled ({} to train, {} held out); word tokenizer, {} tokens; "
      "{:.0f}% of the tokens masked",
      source_name(c), fit_texts.size(), held_texts.size(), tok.vocab_size(), 100 * t.mask_prob);
  d.save_preprocessing = [tok](const std::string& run_dir) { save_tokenizer(tok, run_dir); };
  return d;
}

TrainingData load_text_folder_data(const Config& c, bool with_train) {
  const TextDataConfig& t = c.data.text;
  const auto max_bytes = static_cast<size_t>(t.max_bytes);
  const text::TextCorpus corpus =
      t.corpus.empty() ? text::load_text_folder(t.path, {.extensions = t.extensions, .max_bytes = max_bytes})
                       : text::load_spam_assassin(c.data.root, {.max_bytes = max_bytes});
  STRATA_CHECK(corpus.classes.size() >= 2,
               "{}: data.text: {} has {} class folder(s); a classifier needs two or more", c.path,
               source_name(c), corpus.classes.size());
  auto [train_all, test_all] =
      text::stratified_split(corpus, t.test_fraction, t.split_seed.value_or(c.training.seed));
  text::TextCorpus train = first(std::move(train_all), c.data.limit);
  const text::TextCorpus test = first(std::move(test_all), c.data.test_limit);
  STRATA_CHECK(train.size() > 0 && test.size() > 0,
               "{}: data.text.test_fraction {} leaves an empty training or test split ({} texts)", c.path,
               t.test_fraction, corpus.size());
  // The vocabulary comes from every training text (labelled or not), or from a saved tokenizer.
  const TextTokenizer tok = t.tokenizer_from.empty() ? TextTokenizer::fit(t, train.texts) : tokenizer_from(c);
  if (t.masked_lm) return load_masked_lm_data(c, train, tok, with_train);
  const int64_t all_labels = train.size();
  if (t.label_fraction < 1) {
    // A stratified share of the labelled texts, drawn with training.seed (so seeds differ in their labels).
    train = text::stratified_split(train, t.label_fraction, c.training.seed).second;
    STRATA_CHECK(train.size() > 0, "{}: data.text.label_fraction {} keeps none of the {} training texts",
                 c.path, t.label_fraction, all_labels);
  }
  TrainingData d;
  // Only the training split is augmented: the test split measures the model on the texts as written.
  if (with_train)
    d.train = std::make_shared<text::TextClassificationDataset>(train, encoder_of(tok, t.max_length),
                                                                augment_options(c));
  d.test = std::make_shared<text::TextClassificationDataset>(test, encoder_of(tok, t.max_length));
  d.input_shape = Shape{1, t.max_length > 0 ? t.max_length : 64};
  d.input_dtype = kInt64;
  d.classes = corpus.classes;
  use_tokenizer(d, tok, t.max_length);
  std::string classes;
  for (const auto& name : corpus.classes) classes += (classes.empty() ? "" : ", ") + name;
  d.description = fmt::format(
      "{} ({} texts; classes {}; {} tokenizer, {} tokens{}{})", source_name(c), corpus.size(), classes,
      t.tokenizer, tok.vocab_size(), t.augment.enabled ? "; EDA augmentation" : "",
      t.label_fraction < 1 ? fmt::format("; {} of the {} training labels", train.size(), all_labels)
                           : std::string());
  d.save_preprocessing = [tok](const std::string& run_dir) { save_tokenizer(tok, run_dir); };
  d.load_preprocessing = [test, max_length = t.max_length](const std::string& run_dir, TrainingData& data) {
    const std::optional<TextTokenizer> saved = load_tokenizer(run_dir);
    if (!saved) return false;
    data.test = std::make_shared<text::TextClassificationDataset>(test, encoder_of(*saved, max_length));
    use_tokenizer(data, *saved, max_length);
    return true;
  };
  return d;
}

}  // namespace

LanguageModelText load_language_model_text(const Config& c) {
  const TextDataConfig& t = c.data.text;
  const std::string all = t.corpus.empty() ? read_text_file(t.path) : text::load_moby_dick(c.data.root);
  const size_t p = split_point(all, 1.0 - t.test_fraction, t.tokenizer == "word");
  LanguageModelText lm{all.substr(0, p), all.substr(p), {}};
  lm.tokenizer = TextTokenizer::fit(t, {lm.train});
  return lm;
}

TrainingData load_text_data(const Config& c, bool with_train) {
  return c.data.dataset == "text-lm" ? load_language_model_data(c, with_train)
                                     : load_text_folder_data(c, with_train);
}

}  // namespace strata::cli
