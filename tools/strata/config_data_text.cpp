// Reader: data.text of a `strata train` config.
#include <algorithm>
#include <filesystem>
#include <set>

#include "config_reader.h"

namespace strata::cli::detail {

// data.text (`node` may be undefined): the text source's fields.
void Reader::read_text_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
  const bool present = node.IsDefined() && !node.IsNull();
  const bool lm = d.dataset == "text-lm";
  const bool mt = d.dataset == "translation";
  if (!lm && !mt && d.dataset != "text-folder") {
    if (present)
      fail(node, "data.text", fmt::format("'data.text' does not apply to dataset '{}'", d.dataset));
    return;
  }
  TextDataConfig& t = d.text;
  if (!present) {
    fail(node.IsDefined() ? node : asked, "data.text",
         fmt::format("dataset '{}' needs a 'data.text' section naming its 'corpus' or 'path'", d.dataset));
  }
  check_section(node, "data.text", false);
  const std::set<std::string> common{"corpus",     "path",     "tokenizer", "lowercase",
                                     "vocab_size", "min_freq", "max_vocab", "test_fraction"};
  const std::set<std::string> lm_fields{"seq_len", "stride"},
      folder_fields{"max_length", "max_bytes",      "extensions", "augment",       "masked_lm",
                    "mask_prob",  "label_fraction", "split_seed", "tokenizer_from"},
      mt_fields{"max_length", "val_fraction", "bleu_sentences"};
  const std::set<std::string>& own = lm ? lm_fields : mt ? mt_fields : folder_fields;
  std::set<std::string> others = lm_fields;
  others.insert(folder_fields.begin(), folder_fields.end());
  others.insert(mt_fields.begin(), mt_fields.end());
  std::set<std::string> allowed = common;
  allowed.insert(own.begin(), own.end());
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (others.count(key) && !own.count(key)) {
      fail(kv.first, "data.text." + key,
           fmt::format("field 'data.text.{}' does not apply to dataset '{}' (its own fields: {})", key,
                       d.dataset, join(own)));
    }
  }
  check_keys(node, "data.text", allowed);
  auto at = [&](const char* key) { return node[key].IsDefined() ? node[key] : node; };
  read(node, "data.text", "corpus", t.corpus);
  read(node, "data.text", "path", t.path);
  if (t.corpus.empty() == t.path.empty()) {
    fail(t.corpus.empty() ? node : at("path"), "data.text",
         t.corpus.empty() ? "'data.text' needs 'corpus' (a packaged data set) or 'path' (your own data)"
                          : "'data.text' takes 'corpus' or 'path', not both");
  }
  const std::string corpus = lm ? "moby-dick" : mt ? "de-en" : "spam-assassin";
  if (!t.corpus.empty() && t.corpus != corpus) {
    fail(at("corpus"), "data.text.corpus",
         fmt::format("unknown corpus '{}' for dataset '{}'{} (known: {})", t.corpus, d.dataset,
                     did_you_mean(t.corpus, {corpus}), corpus));
  }
  if (!t.path.empty() && check_text_path_) {
    std::error_code error;
    const bool ok = lm || mt ? std::filesystem::is_regular_file(t.path, error)
                             : std::filesystem::is_directory(t.path, error);
    if (!ok) {
      fail(at("path"), "data.text.path",
           fmt::format("field 'data.text.path': {} '{}' does not exist", lm || mt ? "text file" : "folder",
                       t.path));
    }
  }
  t.tokenizer = lm ? "char" : mt ? "bpe" : "word";
  read(node, "data.text", "tokenizer", t.tokenizer);
  if (t.tokenizer != "char" && t.tokenizer != "word" && t.tokenizer != "bpe") {
    fail(at("tokenizer"), "data.text.tokenizer",
         fmt::format("unknown tokenizer '{}'{} (known: char, word, bpe)", t.tokenizer,
                     did_you_mean(t.tokenizer, {"char", "word", "bpe"})));
  }
  if (mt && t.tokenizer != "bpe") {
    fail(at("tokenizer"), "data.text.tokenizer",
         fmt::format("dataset 'translation' needs tokenizer 'bpe' (one byte-level BPE shared by both "
                     "languages, with <pad> <bos> <eos>), got '{}'",
                     t.tokenizer));
  }
  read(node, "data.text", "vocab_size", t.vocab_size);
  if (node["vocab_size"].IsDefined() && t.tokenizer != "bpe") {
    fail(at("vocab_size"), "data.text.vocab_size",
         "field 'data.text.vocab_size' applies to tokenizer 'bpe' (char and word take max_vocab)");
  }
  if (t.vocab_size < 259) {
    fail(at("vocab_size"), "data.text.vocab_size",
         fmt::format("field 'data.text.vocab_size' must be at least 259 (256 bytes and 3 special tokens), "
                     "got {}",
                     t.vocab_size));
  }
  read(node, "data.text", "val_fraction", t.val_fraction);
  read(node, "data.text", "bleu_sentences", t.bleu_sentences);
  if (!(t.val_fraction >= 0 && t.val_fraction < 1))
    fail(at("val_fraction"), "data.text.val_fraction", "field 'data.text.val_fraction' must be in [0, 1)");
  if (t.bleu_sentences < 0)
    fail(at("bleu_sentences"), "data.text.bleu_sentences",
         "field 'data.text.bleu_sentences' must be >= 0 (0: all)");
  t.lowercase = t.tokenizer == "word";
  read(node, "data.text", "lowercase", t.lowercase);
  read(node, "data.text", "min_freq", t.min_freq);
  read(node, "data.text", "max_vocab", t.max_vocab);
  read(node, "data.text", "test_fraction", t.test_fraction);
  read(node, "data.text", "seq_len", t.seq_len);
  read(node, "data.text", "stride", t.stride);
  read(node, "data.text", "max_length", t.max_length);
  read(node, "data.text", "max_bytes", t.max_bytes);
  read_list(node, "data.text", "extensions", t.extensions);
  if (t.min_freq < 1) fail(at("min_freq"), "data.text.min_freq", "field 'data.text.min_freq' must be >= 1");
  if (t.max_vocab < 0)
    fail(at("max_vocab"), "data.text.max_vocab", "field 'data.text.max_vocab' must be >= 0 (0: no limit)");
  if (!(t.test_fraction > 0 && t.test_fraction < 1))
    fail(at("test_fraction"), "data.text.test_fraction", "field 'data.text.test_fraction' must be in (0, 1)");
  if (t.seq_len <= 0) fail(at("seq_len"), "data.text.seq_len", "field 'data.text.seq_len' must be positive");
  if (t.stride < 0)
    fail(at("stride"), "data.text.stride", "field 'data.text.stride' must be >= 0 (0: seq_len)");
  if (t.max_length < 0)
    fail(at("max_length"), "data.text.max_length", "field 'data.text.max_length' must be >= 0 (0: all)");
  if (t.max_bytes < 0)
    fail(at("max_bytes"), "data.text.max_bytes", "field 'data.text.max_bytes' must be >= 0 (0: all)");
  if (node["extensions"].IsDefined() && t.path.empty()) {
    fail(at("extensions"), "data.text.extensions",
         "field 'data.text.extensions' applies to a 'path' folder, not to a corpus");
  }
  read_text_augment(node["augment"], t.augment);
  read(node, "data.text", "masked_lm", t.masked_lm);
  read(node, "data.text", "mask_prob", t.mask_prob);
  read(node, "data.text", "label_fraction", t.label_fraction);
  uint64_t split_seed = 0;
  if (read(node, "data.text", "split_seed", split_seed)) t.split_seed = split_seed;
  read(node, "data.text", "tokenizer_from", t.tokenizer_from);
  if (!(t.mask_prob > 0 && t.mask_prob < 1))
    fail(at("mask_prob"), "data.text.mask_prob", "field 'data.text.mask_prob' must be in (0, 1)");
  if (!(t.label_fraction > 0 && t.label_fraction <= 1))
    fail(at("label_fraction"), "data.text.label_fraction",
         "field 'data.text.label_fraction' must be in (0, 1]");
  if (t.masked_lm && t.tokenizer != "word")
    fail(at("masked_lm"), "data.text.masked_lm", "field 'data.text.masked_lm' needs the word tokenizer");
  if (t.masked_lm && (t.augment.enabled || t.label_fraction < 1)) {
    fail(at("masked_lm"), "data.text.masked_lm",
         "field 'data.text.masked_lm' trains on texts without labels: 'augment' and 'label_fraction' do "
         "not apply");
  }
  if (node["mask_prob"].IsDefined() && !t.masked_lm)
    fail(at("mask_prob"), "data.text.mask_prob",
         "field 'data.text.mask_prob' applies with 'masked_lm: true'");
}

// data.text.augment: {synonym_replacement: 0.1, random_swap: 0.1, ..., seed: 3}.
void Reader::read_text_augment(const YAML::Node& node, TextAugmentConfig& a) const {
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string section = "data.text.augment";
  const char* const rates[] = {"synonym_replacement", "random_insertion", "random_swap", "random_deletion"};
  if (!node.IsMap()) {
    fail(node, section,
         fmt::format("'{}' must be a map of EDA rates such as {{random_swap: 0.1, random_deletion: 0.1}} "
                     "(fields: {}, seed), got {}",
                     section, join(std::vector<std::string>(std::begin(rates), std::end(rates))),
                     describe(node)));
  }
  check_keys(node, section,
             {"synonym_replacement", "random_insertion", "random_swap", "random_deletion", "seed"});
  a.enabled = true;
  read(node, section, "synonym_replacement", a.synonym_replacement);
  read(node, section, "random_insertion", a.random_insertion);
  read(node, section, "random_swap", a.random_swap);
  read(node, section, "random_deletion", a.random_deletion);
  uint64_t seed = 0;
  if (read(node, section, "seed", seed)) a.seed = seed;
  const double values[] = {a.synonym_replacement, a.random_insertion, a.random_swap, a.random_deletion};
  bool any = false;
  for (size_t i = 0; i < 4; ++i) {
    if (!(values[i] >= 0 && values[i] <= 1)) {
      fail(node[rates[i]], section + "." + rates[i],
           fmt::format("field '{}.{}' must be in [0, 1] (0: off), got {}", section, rates[i], values[i]));
    }
    any = any || values[i] > 0;
  }
  if (!any) {
    fail(node, section,
         fmt::format("'{}' turns every operation off: give at least one of {} a rate above 0", section,
                     join(std::vector<std::string>(std::begin(rates), std::end(rates)))));
  }
}

}  // namespace strata::cli::detail
