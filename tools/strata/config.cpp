#include "config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "data_command.h"
#include "field_reader.h"
#include "image_data.h"
#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/data/image/spec.h"
#include "strata/data/table/table.h"
#include "strata/metrics/registry.h"
#include "strata/nn/loss_registry.h"
#include "strata/optim/registry.h"
#include "strata/optim/sgd.h"
#include "table_steps.h"
#include "training_setup.h"

namespace strata::cli {

// model fields of the zoo's transformer_seq2seq (besides dropout).
constexpr const char* kSeq2SeqFields[] = {
    "d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward", "max_positions"};
namespace {

// Reads one document into a Config. Errors are prefixed with "file:line:" or, for a field that a
// command-line override set, with that override as the user wrote it.
class Reader : public FieldReader {
 public:
  Reader(std::string path, std::vector<Override> overrides, bool check_text_path)
      : FieldReader(std::move(path), std::move(overrides)), check_text_path_(check_text_path) {}
  using FieldReader::read;  // the field readers, beside read() below

  void read_data(const YAML::Node& node, DataConfig& d) const {
    check_section(node, "data", false);
    check_keys(
        node, "data",
        {"dataset", "root", "batch_size", "eval_batch_size", "normalize", "shuffle", "num_workers", "limit",
         "test_limit", "val_fraction", "text", "table", "image", "augment", "classes", "per_class", "range"});
    read(node, "data", "dataset", d.dataset);
    read(node, "data", "root", d.root);
    read(node, "data", "batch_size", d.batch_size);
    // A language model's evaluation batch holds batch * steps * vocabulary logits: as many as training's.
    d.eval_batch_size = 1000;
    const bool eval_batch_given = read(node, "data", "eval_batch_size", d.eval_batch_size);
    read(node, "data", "normalize", d.normalize);
    if (read_list(node, "data", "range", d.range)) {
      if (d.range.size() != 2 || !(d.range[0] < d.range[1]))
        fail(node["range"], "data.range", "field 'data.range' must be two numbers [lo, hi] with lo < hi");
      if (d.dataset != "fashion-mnist" && d.dataset != "mnist")
        fail(node["range"], "data.range",
             fmt::format("field 'data.range' applies to fashion-mnist and mnist, not '{}'", d.dataset));
      d.normalize = false;
    }
    read(node, "data", "shuffle", d.shuffle);
    read(node, "data", "num_workers", d.num_workers);
    read(node, "data", "limit", d.limit);
    read(node, "data", "test_limit", d.test_limit);
    read(node, "data", "val_fraction", d.val_fraction);
    auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
    const std::set<std::string> datasets{"fashion-mnist", "mnist",       "image-folder", "emoji",
                                         "text-lm",       "text-folder", "table",        "translation"};
    if (!datasets.count(d.dataset)) {
      fail(at("dataset"), "data.dataset",
           fmt::format("unknown dataset '{}'{} (known: {})", d.dataset,
                       did_you_mean(d.dataset, std::vector<std::string>(datasets.begin(), datasets.end())),
                       join(datasets)));
    }
    // A missing data.text or data.table section is reported at the line that asked for it.
    const YAML::Node asked = node.IsMap() && node["dataset"].IsDefined() ? node["dataset"] : node;
    read_text_data(at("text"), asked, d);
    read_table_data(at("table"), asked, d);
    read_image_data(at("image"), asked, d);
    read_augment(at("augment"), d);
    if (d.batch_size <= 0)
      fail(at("batch_size"), "data.batch_size", "field 'data.batch_size' must be positive");
    if (!eval_batch_given && d.dataset == "text-lm") d.eval_batch_size = d.batch_size;
    if (d.eval_batch_size <= 0)
      fail(at("eval_batch_size"), "data.eval_batch_size", "field 'data.eval_batch_size' must be positive");
    if (d.num_workers < 0)
      fail(at("num_workers"), "data.num_workers", "field 'data.num_workers' must be >= 0");
    if (d.limit < 0) fail(at("limit"), "data.limit", "field 'data.limit' must be >= 0 (0: all)");
    if (d.test_limit < 0)
      fail(at("test_limit"), "data.test_limit", "field 'data.test_limit' must be >= 0 (0: all)");
    if (!(d.val_fraction >= 0 && d.val_fraction < 1)) {
      fail(at("val_fraction"), "data.val_fraction", "field 'data.val_fraction' must be in [0, 1)");
    }
    read_subset(node, d);
  }

  // data.classes and data.per_class: which labels and how many training examples of each to keep.
  void read_subset(const YAML::Node& node, DataConfig& d) const {
    auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
    const bool has_classes = read_list(node, "data", "classes", d.classes);
    const bool has_per_class = read(node, "data", "per_class", d.per_class);
    if ((has_classes || has_per_class) && d.dataset == "text-lm") {
      const char* key = has_classes ? "classes" : "per_class";
      fail(at(key), std::string("data.") + key,
           fmt::format("field 'data.{}' applies to classification data, not to dataset 'text-lm'", key));
    }
    if (has_classes) {
      d.classes_where = where(at("classes"), "data.classes");
      if (d.classes.empty())
        fail(at("classes"), "data.classes", "field 'data.classes' must list at least one label");
      std::set<int64_t> seen;
      for (int64_t label : d.classes) {
        if (label < 0)
          fail(at("classes"), "data.classes",
               fmt::format("field 'data.classes' must hold labels >= 0, got {}", label));
        if (!seen.insert(label).second)
          fail(at("classes"), "data.classes",
               fmt::format("field 'data.classes' lists label {} twice", label));
      }
    }
    if (has_per_class) d.per_class_where = where(at("per_class"), "data.per_class");
    if (d.per_class < 0)
      fail(at("per_class"), "data.per_class", "field 'data.per_class' must be >= 0 (0: all)");
  }

  // data.text (`node` may be undefined): the text source's fields.
  void read_text_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
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
      fail(at("test_fraction"), "data.text.test_fraction",
           "field 'data.text.test_fraction' must be in (0, 1)");
    if (t.seq_len <= 0)
      fail(at("seq_len"), "data.text.seq_len", "field 'data.text.seq_len' must be positive");
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
  void read_text_augment(const YAML::Node& node, TextAugmentConfig& a) const {
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

  // data.image (`node` may be undefined): the image-folder and emoji sources' fields. image-folder needs the
  // section for its `path`; emoji reads the set from data.root (default: the emoji cache).
  void read_image_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
    const std::string section = "data.image";
    const bool given = node.IsDefined() && !node.IsNull();
    const bool folder = d.dataset == "image-folder";
    if (!folder && d.dataset != "emoji") {
      if (given) fail(node, section, fmt::format("'data.image' does not apply to dataset '{}'", d.dataset));
      return;
    }
    ImageDataConfig& m = d.image;
    m.where = where(given ? node : asked, section);
    if (!given && folder) {
      fail(node.IsDefined() ? node : asked, section,
           "dataset 'image-folder' needs a 'data.image' section with its 'path' (a folder with one "
           "sub-folder of PNG/JPEG images per class)");
    }
    if (d.dataset == "emoji") m.background = 1.0;  // the emoji are drawn on transparent pixels
    if (!given) return;
    check_section(node, section, false);
    check_keys(node, section,
               {"path", "size", "channels", "mean", "std", "background", "test_fraction", "seed"});
    auto at = [&](const char* key) { return node[key].IsDefined() ? node[key] : node; };
    if (folder) {
      if (!node["path"].IsDefined() || node["path"].IsNull())
        fail(node, section + ".path", "field 'data.image.path' is missing (the folder of images)");
      read(node, section, "path", m.path);
      m.path = find_image_folder(m.path, d.root);
      if (m.path.empty()) {
        fail(node["path"], section + ".path",
             fmt::format("field 'data.image.path': folder '{}' does not exist{}",
                         as<std::string>(node["path"], section + ".path"),
                         d.root.empty() ? "" : fmt::format(" (nor under data.root {})", d.root)));
      }
    } else if (node["path"].IsDefined() && !node["path"].IsNull()) {
      fail(node["path"], section + ".path",
           "field 'data.image.path' does not apply to dataset 'emoji' (data.root points at another copy "
           "of the set)");
    }
    const YAML::Node size = node["size"];
    if (size.IsDefined() && !size.IsNull()) {
      if (size.IsScalar()) {
        m.size = {as<int64_t>(size, section + ".size"), as<int64_t>(size, section + ".size")};
      } else {
        read_list(node, section, "size", m.size);
      }
      if (m.size.size() != 2 || m.size[0] <= 0 || m.size[1] <= 0) {
        fail(size, section + ".size",
             "field 'data.image.size' must be [height, width] (or one side for a square) of positive "
             "integers");
      }
    }
    read(node, section, "channels", m.channels);
    if (m.channels != 1 && m.channels != 3) {
      fail(at("channels"), section + ".channels",
           fmt::format("field 'data.image.channels' must be 1 (grey) or 3 (RGB), got {}", m.channels));
    }
    const bool has_mean = read_list(node, section, "mean", m.mean);
    const bool has_std = read_list(node, section, "std", m.std);
    if (has_mean != has_std) {
      fail(has_mean ? node["mean"] : node["std"], section + (has_mean ? ".mean" : ".std"),
           "'data.image' needs both 'mean' and 'std', or neither (then both are fitted on the training "
           "images)");
    }
    if (has_mean && !d.normalize) {
      fail(node["mean"], section + ".mean",
           "fields 'data.image.mean' and 'std' normalise the images, but data.normalize is false");
    }
    for (const char* key : {"mean", "std"}) {
      const std::vector<double>& values = std::string(key) == "mean" ? m.mean : m.std;
      if (!values.empty() && values.size() != 1 && static_cast<int64_t>(values.size()) != m.channels) {
        fail(node[key], section + "." + key,
             fmt::format("field 'data.image.{}' needs 1 or {} values (data.image.channels), got {}", key,
                         m.channels, values.size()));
      }
    }
    for (double v : m.std) {
      if (!(v > 0))
        fail(node["std"], section + ".std",
             fmt::format("field 'data.image.std' must be positive, got {}", v));
    }
    double background = 0;
    if (read(node, section, "background", background)) {
      if (!(background >= 0 && background <= 1)) {
        fail(node["background"], section + ".background",
             fmt::format("field 'data.image.background' must be a grey level in [0, 1], got {}", background));
      }
      m.background = background;
    }
    const bool fraction_given = read(node, section, "test_fraction", m.test_fraction);
    read(node, section, "seed", m.seed);
    if (!(m.test_fraction > 0 && m.test_fraction < 1)) {
      fail(at("test_fraction"), section + ".test_fraction",
           "field 'data.image.test_fraction' must be in (0, 1)");
    }
    if (!(m.test_fraction + d.val_fraction < 1)) {
      fail(at("test_fraction"), section + ".test_fraction",
           fmt::format("data.image.test_fraction {} and data.val_fraction {} leave no training images",
                       m.test_fraction, d.val_fraction));
    }
    if (fraction_given && folder && has_split_folders(m.path)) {
      fail(node["test_fraction"], section + ".test_fraction",
           fmt::format("field 'data.image.test_fraction' does not apply: {} has train/ and test/ folders, "
                       "which are the splits",
                       m.path));
    }
  }

  // data.table (`node` may be undefined): the table source's fields. Column names are checked when the
  // table is read (load_table_data), with the places recorded here.
  void read_table_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
    const bool given = node.IsDefined() && !node.IsNull();
    if (given && d.dataset != "table")
      fail(node, "data.table", fmt::format("'data.table' does not apply to dataset '{}'", d.dataset));
    if (d.dataset != "table") return;
    if (!given) {
      fail(node.IsDefined() ? node : asked, "data.table",
           "dataset 'table' needs a 'data.table' section with at least 'path' (a CSV or ARFF file) and "
           "'target' (the column to predict)");
    }
    const std::string section = "data.table";
    check_section(node, section, false);
    check_keys(
        node, section,
        {"path", "target", "task", "drop", "na", "types", "steps", "test_fraction", "stratify", "seed"});
    TableDataConfig& t = d.table;
    t.where = where(node, section);
    for (const char* key : {"path", "target"}) {
      if (!node[key].IsDefined() || node[key].IsNull()) {
        fail(node, section + "." + key,
             fmt::format("field '{}.{}' is missing (the {})", section, key,
                         std::string(key) == "path" ? "CSV or ARFF file" : "column to predict"));
      }
    }
    read(node, section, "path", t.path);
    read(node, section, "target", t.target);
    t.target_where = where(node["target"], section + ".target");
    read(node, section, "task", t.task);
    if (t.task != "auto" && t.task != "classification" && t.task != "regression") {
      fail(node["task"], section + ".task",
           fmt::format("field '{}.task' must be auto, classification or regression, got '{}'", section,
                       t.task));
    }
    read_list(node, section, "drop", t.drop);
    if (node["drop"].IsDefined()) t.drop_where = where(node["drop"], section + ".drop");
    read_list(node, section, "na", t.na);
    read_column_types(node["types"], t);
    read(node, section, "test_fraction", t.test_fraction);
    read(node, section, "stratify", t.stratify);
    read(node, section, "seed", t.seed);
    auto at = [&](const char* key) { return node[key].IsDefined() ? node[key] : node; };
    if (!(t.test_fraction > 0 && t.test_fraction < 1))
      fail(at("test_fraction"), section + ".test_fraction",
           "field 'data.table.test_fraction' must be in (0, 1)");
    if (!(t.test_fraction + d.val_fraction < 1)) {
      fail(at("test_fraction"), section + ".test_fraction",
           fmt::format("data.table.test_fraction {} and data.val_fraction {} leave no training rows",
                       t.test_fraction, d.val_fraction));
    }
    const YAML::Node steps = node["steps"];
    if (!steps.IsDefined() || steps.IsNull()) return;
    if (!steps.IsSequence()) {
      fail(steps, section + ".steps",
           fmt::format("'data.table.steps' must be a list of steps such as [dedup, {{impute: median}}, "
                       "{{encode: onehot}}, {{scale: standard}}], got {}",
                       describe(steps)));
    }
    std::string fitted;  // the first encode or scale step
    for (const auto& item : steps) {
      const TableStepConfig& s = t.steps.emplace_back(read_table_step(item));
      if (s.fitted()) {
        if (fitted.empty()) fitted = s.kind;
      } else if (!fitted.empty()) {
        // Cleaning runs on the whole table before the split; encoders are fitted on its training part.
        fail(item, section + ".steps",
             fmt::format(
                 "step '{}' comes after '{}': cleaning steps run on the whole table before the "
                 "split, encode and scale are fitted on the training split after it, so they come last",
                 s.kind, fitted));
      }
    }
  }

  // data.table.types: {column: type, ...}.
  void read_column_types(const YAML::Node& node, TableDataConfig& t) const {
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string field = "data.table.types";
    if (!node.IsMap()) {
      fail(node, field,
           fmt::format("'{}' must be a map of column types such as {{pclass: category}}, got {}", field,
                       describe(node)));
    }
    for (const auto& kv : node) {
      const std::string column = as<std::string>(kv.first, field);
      const std::string type = as<std::string>(kv.second, field + "." + column);
      try {
        data::table::parse_column_type(type);
      } catch (const Error&) {
        fail(
            kv.second, field + "." + column,
            fmt::format("field '{}.{}': unknown column type '{}' (known: int, float, bool, category, string)",
                        field, column, type));
      }
      t.types.emplace_back(column, type);
    }
  }

  // One item of data.table.steps: `name`, `name: shorthand` (impute: median, outliers: "iqr:clip",
  // encode: onehot, missing_indicator: [cabin]) or `name: {field: value, ...}`.
  TableStepConfig read_table_step(const YAML::Node& item) const {
    static const std::map<std::string, std::set<std::string>> fields{
        {"dedup", {"columns"}},
        {"drop_missing", {"axis", "threshold", "columns"}},
        {"missing_indicator", {"columns"}},
        {"impute", {"strategy", "columns", "value", "text", "neighbors", "indicator"}},
        {"outliers", {"method", "action", "columns", "threshold"}},
        {"encode", {"kind", "columns"}},
        {"scale", {"kind", "columns"}},
    };
    std::vector<std::string> kinds;
    for (const auto& [k, _] : fields) kinds.push_back(k);
    const std::string list = "data.table.steps";
    TableStepConfig s;
    YAML::Node args;
    if (item.IsScalar()) {
      s.kind = item.Scalar();
    } else if (item.IsMap() && item.size() == 1 && (*item.begin()).first.IsScalar()) {
      s.kind = (*item.begin()).first.Scalar();
      args.reset((*item.begin()).second);
    } else {
      fail(item, list,
           fmt::format("each step is a name ('dedup') or a one-entry map ('impute: median', "
                       "'outliers: {{method: iqr, action: clip}}'), got {}",
                       describe(item)));
    }
    s.where = where(item, list);
    if (!fields.count(s.kind)) {
      fail(item, list,
           fmt::format("unknown step '{}'{} (known: {})", s.kind, did_you_mean(s.kind, kinds), join(kinds)));
    }
    const std::string field = list + "." + s.kind;
    const YAML::Node& at = args.IsDefined() && !args.IsNull() ? args : item;
    // Defaults, then the shorthand or the map.
    if (s.kind == "impute") s.method = "median";
    if (s.kind == "outliers") s.method = "iqr", s.action = "flag";
    if (s.kind == "encode") s.method = "onehot";
    if (s.kind == "scale") s.method = "standard";
    if (args.IsScalar()) {
      if (s.kind == "dedup" || s.kind == "missing_indicator") {
        fail(args, field,
             fmt::format("step '{}' takes a list of columns or a map, got {}", s.kind, describe(args)));
      }
      const std::string word = args.Scalar();
      if (s.kind == "drop_missing") {
        s.axis = word;
      } else if (s.kind == "outliers") {
        const size_t colon = word.find(':');
        s.method = word.substr(0, colon);
        if (colon != std::string::npos) s.action = word.substr(colon + 1);
      } else {
        s.method = word;
      }
    } else if (args.IsSequence()) {
      read_list(item, list, s.kind.c_str(), s.columns);
    } else if (args.IsMap()) {
      check_keys(args, field, fields.at(s.kind));
      read_list(args, field, "columns", s.columns);
      read(args, field, "axis", s.axis);
      double threshold = 0;
      if (read(args, field, "threshold", threshold)) s.threshold = threshold;
      read(args, field, "strategy", s.method);
      read(args, field, "method", s.method);
      read(args, field, "kind", s.method);
      read(args, field, "action", s.action);
      read(args, field, "value", s.value);
      read(args, field, "text", s.text);
      read(args, field, "neighbors", s.neighbors);
      read(args, field, "indicator", s.indicator);
    } else if (args.IsDefined() && !args.IsNull()) {
      fail(args, field,
           fmt::format("step '{}' takes a name, a list of columns or a map, got {}", s.kind, describe(args)));
    }
    try {
      check_table_step(s);
    } catch (const Error& e) {
      fail(at, field, fmt::format("step '{}': {}", s.kind, e.what()));
    }
    return s;
  }

  // data.augment (`node` may be undefined): the training split's augmentation, a list of transforms as
  // `strata data augment` reads them; every transform is built once here so a bad one fails at load time.
  void read_augment(const YAML::Node& node, DataConfig& d) const {
    if (!node.IsDefined() || node.IsNull()) return;
    if (d.dataset != "fashion-mnist" && d.dataset != "mnist" && d.dataset != "image-folder" &&
        d.dataset != "emoji") {
      fail(node, "data.augment",
           fmt::format("'data.augment' augments images; it does not apply to dataset '{}'", d.dataset));
    }
    if (!node.IsSequence() || node.size() == 0) {
      fail(node, "data.augment",
           fmt::format(
               "'data.augment' must be a non-empty list of transforms such as [random_horizontal_flip, "
               "{{random_rotation: {{degrees: 10}}}}], got {}",
               describe(node)));
    }
    for (const auto& item : node) {
      data::image::TransformSpec spec = transform_spec(item, path_);  // its errors name file:line
      spec.where.clear();
      try {
        data::image::make_transform(spec);
      } catch (const Error& e) {
        fail(item, "data.augment", fmt::format("data.augment: {}", e.what()));
      }
    }
    d.augment = YAML::Clone(node);
  }

  void read_layers(const YAML::Node& list, ModelConfig& m) const {
    if (!list.IsSequence() || list.size() == 0) {
      fail(list, "model.layers",
           fmt::format("'model.layers' must be a non-empty list of layers, got {}", describe(list)));
    }
    for (const auto& item : list) {
      if (item.IsScalar()) {
        m.layers.push_back({item.Scalar(), YAML::Node(), where(item, "model.layers")});
        continue;
      }
      // A one-entry map ("linear: {out: 10}"), optionally with the layer's `name` and `repeat`.
      LayerSpec spec{.where = where(item, "model.layers")};
      if (item.IsMap()) {
        for (const auto& kv : item) {
          if (!kv.first.IsScalar()) fail(item, "model.layers", "a layer's type must be a name");
          const std::string key = kv.first.Scalar();
          if (key == "name") {
            spec.name = as<std::string>(kv.second, "model.layers.name");
          } else if (key == "repeat") {
            spec.repeat = as<int64_t>(kv.second, "model.layers.repeat");
            if (spec.repeat < 1) fail(kv.second, "model.layers.repeat", "field 'repeat' must be at least 1");
          } else if (key == "from") {
            fail(kv.first, "model.layers",
                 "a layer of a 'layers' list reads the one before it; write a 'graph' for other inputs");
          } else if (spec.type.empty()) {
            spec.type = key;
            spec.args = kv.second;
          } else {
            fail(item, "model.layers",
                 fmt::format("a layer names one type, got '{}' and '{}' (other keys: name, repeat)",
                             spec.type, key));
          }
        }
      }
      if (spec.type.empty()) {
        fail(
            item, "model.layers",
            fmt::format("each layer must be a name ('relu') or a map with one type ('linear: {{in: 784, out: "
                        "10}}', optionally with name and repeat), got {}",
                        describe(item)));
      }
      m.layers.push_back(std::move(spec));
    }
  }

  // model: {zoo: resnet20, classes: 10, ...}: the zoo's options, each checked where it applies.
  void read_zoo(const YAML::Node& node, ModelConfig& m) const {
    const std::vector<std::string> names = models::zoo_names();
    m.zoo = as<std::string>(node["zoo"], "model.zoo");
    if (std::find(names.begin(), names.end(), m.zoo) == names.end()) {
      fail(node["zoo"], "model.zoo",
           fmt::format("unknown zoo model '{}'{} (known: {})", m.zoo, did_you_mean(m.zoo, names),
                       join(names)));
    }
    std::set<std::string> applies{"zoo", "classes"};
    if (m.zoo != "mlp" && m.zoo != "gpt") applies.insert("in_channels");
    if (m.zoo == "mlp" || m.zoo == "mobilenet_v2" || m.zoo.starts_with("vgg") || m.zoo == "gpt" ||
        m.zoo == "transformer_seq2seq")
      applies.insert("dropout");
    if (m.zoo == "gpt") {
      applies.erase("classes");
      applies.insert({"vocab_size", "block_size", "n_layer", "n_head", "n_embd", "bias"});
    }
    if (m.zoo == "transformer_seq2seq") {
      applies.erase("in_channels");
      applies.erase("classes");
      applies.insert(std::begin(kSeq2SeqFields), std::end(kSeq2SeqFields));
    }
    if (m.zoo.starts_with("resnet")) applies.insert("zero_init_residual");
    const bool gan = m.zoo == "dcgan" || m.zoo == "cgan" || m.zoo == "wgan_gp";
    if (gan) {
      applies.insert({"latent_dim", "width"});
      if (m.zoo != "cgan") applies.erase("classes");
      if (m.zoo == "wgan_gp") applies.insert({"lambda_gp", "n_critic"});
    }
    if (m.zoo == "vae") {
      applies.erase("classes");
      applies.insert({"latent_dim", "hidden_channels", "likelihood", "beta", "sigma"});
    }
    if (m.zoo == "mobilenet_v2") applies.insert({"width_mult", "round_nearest"});
    if (m.zoo.starts_with("vgg")) applies.insert({"classifier_width", "pool_size"});
    if (m.zoo == "mlp") applies.insert("sizes");
    const bool bert = m.zoo.starts_with("bert_");
    if (bert) {
      applies.erase("in_channels");
      applies.insert({"dropout", "vocab_size", "d_model", "nhead", "num_encoder_layers", "dim_feedforward",
                      "max_positions", "pad_id"});
      if (m.zoo == "bert_classifier") applies.insert("pooling");
    }
    check_applies(node, "model", m.zoo, applies);
    models::ZooOptions& o = m.zoo_options;
    read(node, "model", "classes", o.num_classes);
    if (o.num_classes <= 0) fail(node["classes"], "model.classes", "field 'model.classes' must be positive");
    int64_t in_channels = 0;
    if (read(node, "model", "in_channels", in_channels)) {
      if (in_channels <= 0)
        fail(node["in_channels"], "model.in_channels", "field 'model.in_channels' must be positive");
      o.in_channels = in_channels;
    }
    double dropout = 0;
    if (read(node, "model", "dropout", dropout)) {
      if (!(dropout >= 0 && dropout < 1))
        fail(node["dropout"], "model.dropout", "field 'model.dropout' must be in [0, 1)");
      o.dropout = dropout;
    }
    read(node, "model", "zero_init_residual", o.zero_init_residual);
    read(node, "model", "width_mult", o.width_mult);
    if (!(o.width_mult > 0))
      fail(node["width_mult"], "model.width_mult", "field 'model.width_mult' must be positive");
    int64_t* const seq2seq[] = {
        &o.d_model,         &o.nhead,        &o.num_encoder_layers, &o.num_decoder_layers,
        &o.dim_feedforward, &o.max_positions};
    for (size_t i = 0; i < std::size(kSeq2SeqFields); ++i) {
      const std::string key = kSeq2SeqFields[i];
      // dim_feedforward 0 stands for 4 x d_model.
      if (read(node, "model", kSeq2SeqFields[i], *seq2seq[i]) &&
          (key == "dim_feedforward" ? *seq2seq[i] < 0 : *seq2seq[i] <= 0))
        fail(node[key], "model." + key, fmt::format("field 'model.{}' must be positive", key));
    }
    read(node, "model", "round_nearest", o.round_nearest);
    if (o.round_nearest <= 0) {
      fail(node["round_nearest"], "model.round_nearest", "field 'model.round_nearest' must be positive");
    }
    read(node, "model", "classifier_width", o.classifier_width);
    if (o.classifier_width <= 0) {
      fail(node["classifier_width"], "model.classifier_width",
           "field 'model.classifier_width' must be positive");
    }
    read(node, "model", "pool_size", o.pool_size);
    if (o.pool_size <= 0)
      fail(node["pool_size"], "model.pool_size", "field 'model.pool_size' must be positive");
    if (bert) {
      // vocab_size and pad_id left out take the data's (model_builder.cpp).
      read(node, "model", "vocab_size", o.vocab_size);
      read(node, "model", "pad_id", o.pad_id);
      read(node, "model", "d_model", o.d_model);
      read(node, "model", "nhead", o.nhead);
      read(node, "model", "num_encoder_layers", o.num_encoder_layers);
      read(node, "model", "dim_feedforward", o.dim_feedforward);
      read(node, "model", "max_positions", o.max_positions);
      read(node, "model", "pooling", o.pooling);
      const std::pair<const char*, int64_t> positive[] = {{"d_model", o.d_model},
                                                          {"nhead", o.nhead},
                                                          {"num_encoder_layers", o.num_encoder_layers},
                                                          {"max_positions", o.max_positions}};
      for (const auto& [key, v] : positive) {
        if (v <= 0)
          fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
      }
      if (o.dim_feedforward < 0)
        fail(node["dim_feedforward"], "model.dim_feedforward",
             "field 'model.dim_feedforward' must be >= 0 (0: 4 x d_model)");
      if (o.d_model % o.nhead != 0)
        fail(node["nhead"], "model.nhead",
             fmt::format("field 'model.d_model' ({}) must be a multiple of 'model.nhead' ({})", o.d_model,
                         o.nhead));
      if (o.pooling != "mean" && o.pooling != "first")
        fail(node["pooling"], "model.pooling",
             fmt::format("unknown pooling '{}'{} (known: mean, first)", o.pooling,
                         did_you_mean(o.pooling, {"mean", "first"})));
    }
    // gpt: vocab_size and block_size left out take the data's vocabulary and seq_len.
    if (m.zoo == "gpt" && read(node, "model", "vocab_size", o.vocab_size) && o.vocab_size <= 0)
      fail(node["vocab_size"], "model.vocab_size", "field 'model.vocab_size' must be positive");
    for (auto [key, field] : {std::pair<const char*, int64_t*>{"block_size", &o.block_size},
                              {"n_layer", &o.n_layer},
                              {"n_head", &o.n_head},
                              {"n_embd", &o.n_embd}}) {
      if (read(node, "model", key, *field) && *field <= 0)
        fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
    }
    read(node, "model", "bias", o.bias);
    if (gan) {
      for (auto [key, field] : {std::pair<const char*, int64_t*>{"latent_dim", &o.latent_dim},
                                {"width", &o.gan_width},
                                {"n_critic", &o.n_critic}}) {
        if (read(node, "model", key, *field) && *field <= 0)
          fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
      }
      if (read(node, "model", "lambda_gp", o.lambda_gp) && !(o.lambda_gp >= 0))
        fail(node["lambda_gp"], "model.lambda_gp", "field 'model.lambda_gp' must be >= 0");
    }
    if (m.zoo == "vae") {
      for (auto [key, field] : {std::pair<const char*, int64_t*>{"latent_dim", &o.latent_dim},
                                {"hidden_channels", &o.hidden_channels}}) {
        if (read(node, "model", key, *field) && *field <= 0)
          fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
      }
      if (read(node, "model", "likelihood", o.likelihood) && o.likelihood != "bernoulli" &&
          o.likelihood != "gaussian")
        fail(node["likelihood"], "model.likelihood",
             fmt::format("unknown likelihood '{}'{} (known: bernoulli, gaussian)", o.likelihood,
                         did_you_mean(o.likelihood, {"bernoulli", "gaussian"})));
      if (read(node, "model", "beta", o.beta) && !(o.beta >= 0))
        fail(node["beta"], "model.beta", "field 'model.beta' must be >= 0");
      if (read(node, "model", "sigma", o.sigma) && !(o.sigma > 0))
        fail(node["sigma"], "model.sigma", "field 'model.sigma' must be positive");
    }
    std::vector<int64_t> sizes;
    if (read_list(node, "model", "sizes", sizes)) {
      // mlp: sizes as for `name: mlp`: input, hidden..., and the classes last.
      if (sizes.size() < 2) fail(node["sizes"], "model.sizes", "field 'model.sizes' needs at least 2 sizes");
      for (int64_t s : sizes) {
        if (s <= 0) fail(node["sizes"], "model.sizes", "field 'model.sizes' must hold positive sizes");
      }
      o.in_features = sizes.front();
      o.hidden_sizes.assign(sizes.begin() + 1, sizes.end() - 1);
      o.num_classes = sizes.back();
    }
  }

  void read_model(const YAML::Node& node, ModelConfig& m) const {
    if (!node.IsDefined() || node.IsNull()) {
      fail(node, "model", "field 'model' is missing (a list of 'layers', a 'graph' or a model 'name')");
    }
    check_section(node, "model", true);
    m.node = YAML::Clone(node);
    m.where = where(node, "model");
    const std::set<std::string> named{"lenet5", "mlp"};
    if (node.IsScalar()) {
      m.name = name_of(node, "model", "", named);
      return;
    }
    check_keys(node, "model",
               {"name",
                "layers",
                "graph",
                "zoo",
                "blocks",
                "output",
                "classes",
                "sizes",
                "dropout",
                "in_channels",
                "zero_init_residual",
                "width_mult",
                "round_nearest",
                "classifier_width",
                "pool_size",
                "vocab_size",
                "d_model",
                "nhead",
                "num_encoder_layers",
                "dim_feedforward",
                "max_positions",
                "pad_id",
                "pooling",
                "num_decoder_layers",
                "block_size",
                "n_layer",
                "n_head",
                "n_embd",
                "bias",
                "latent_dim",
                "width",
                "lambda_gp",
                "n_critic",
                "hidden_channels",
                "likelihood",
                "beta",
                "sigma"});
    const int given = node["name"].IsDefined() + node["layers"].IsDefined() + node["graph"].IsDefined() +
                      node["zoo"].IsDefined();
    if (given != 1) {
      fail(
          node, "model",
          "'model' needs exactly one of 'layers' (a list of layers), 'graph' (a list of nodes), 'zoo' (a zoo "
          "model: " +
              join(models::zoo_names()) + ") and 'name' (lenet5, mlp)");
    }
    if (node["zoo"].IsDefined()) {
      read_zoo(node, m);
      return;
    }
    if (node["layers"].IsDefined() || node["graph"].IsDefined()) {
      const bool graph = node["graph"].IsDefined();
      check_applies(node, "model", graph ? "graph" : "layers",
                    graph ? std::set<std::string>{"graph", "blocks", "output"}
                          : std::set<std::string>{"layers", "blocks"});
      if (node["blocks"].IsDefined() && !node["blocks"].IsMap()) {
        fail(node["blocks"], "model.blocks",
             fmt::format("'model.blocks' must be a map of block names to blocks, got {}",
                         describe(node["blocks"])));
      }
      if (node["blocks"].IsDefined()) m.blocks = node["blocks"];  // assigning an absent node throws
      if (!graph) {
        read_layers(node["layers"], m);
        return;
      }
      if (!node["graph"].IsSequence() || node["graph"].size() == 0) {
        fail(node["graph"], "model.graph",
             fmt::format("'model.graph' must be a non-empty list of nodes, got {}", describe(node["graph"])));
      }
      m.graph = node["graph"];
      read(node, "model", "output", m.output);
      return;
    }
    m.name = name_of(node, "model", "", named);
    if (m.name == "lenet5") {
      check_applies(node, "model", m.name, {"classes"});
      read(node, "model", "classes", m.classes);
      if (m.classes <= 0) fail(node["classes"], "model.classes", "field 'model.classes' must be positive");
    } else {
      check_applies(node, "model", m.name, {"sizes", "dropout"});
      read_list(node, "model", "sizes", m.sizes);
      read(node, "model", "dropout", m.dropout);
      if (m.sizes.size() < 2)
        fail(node["sizes"], "model.sizes", "field 'model.sizes' needs at least 2 sizes");
      for (int64_t s : m.sizes) {
        if (s <= 0) fail(node["sizes"], "model.sizes", "field 'model.sizes' must hold positive sizes");
      }
      if (!(m.dropout >= 0 && m.dropout < 1)) {
        fail(node["dropout"], "model.dropout", "field 'model.dropout' must be in [0, 1)");
      }
    }
  }

  // Losses that fit a classifier's logits; the CLI gives the regression ones one-hot targets.
  static std::set<std::string> cli_losses() {
    return {"cross_entropy", "nll", "mse", "l1", "smooth_l1", "huber", "bce_with_logits"};
  }

  void read_loss(const YAML::Node& node, LossConfig& l) const {
    std::map<std::string, std::set<std::string>> fields;
    for (const auto& t : nn::loss_types()) {
      if (!cli_losses().count(t.name)) continue;
      for (const auto& o : t.options) fields[t.name].insert(o.name);
    }
    const auto [names, all] = variant_keys(fields);
    check_section(node, "loss", true);
    check_keys(node, "loss", all);
    l.name = name_of(node, "loss", l.name, names);
    check_applies(node, "loss", l.name, fields.at(l.name));
    l.options = read_options(node, "loss", nn::loss_type(l.name).options, {});
    check_options(node, "loss", l.options, [&] { nn::create_loss(l.name, l.options); });
  }

  void read_optimizer(const YAML::Node& node, OptimizerConfig& o,
                      const std::string& field = "optimizer") const {
    std::map<std::string, std::set<std::string>> fields;
    for (const auto& t : optim::optimizer_types()) {
      fields[t.name] = {"param_groups"};
      for (const auto& spec : t.options) fields[t.name].insert(spec.name);
    }
    const auto [names, all] = variant_keys(fields);
    check_section(node, field, true);
    check_keys(node, field, all);
    o.name = name_of(node, field, o.name, names);
    check_applies(node, field, o.name, fields.at(o.name));
    const optim::OptimizerType& type = optim::optimizer_type(o.name);
    // The learning rate is the CLI's own (tune and onecycle read it); its default is the optimiser's.
    o.lr = nn::LayerArgs(o.name, type.options, {}, {}, {}, field).number("lr");
    read(node, field, "lr", o.lr);
    auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
    if (!(o.lr > 0))
      fail(at("lr"), field + ".lr", fmt::format("field '{}.lr' must be positive, got {}", field, o.lr));
    o.options = read_options(node, field, type.options, {"lr"});
    check_options(node, field, o.options, [&] {
      Tensor p = zeros({1}).requires_grad_();
      optim::create_optimizer(o.name, {{.params = {p}, .lr = o.lr}}, o.options);
    });
    if (node.IsMap() && field == "optimizer") read_param_groups(node["param_groups"], o);
    if (node.IsMap() && field != "optimizer" && node["param_groups"].IsDefined())
      fail(node["param_groups"], field + ".param_groups",
           fmt::format("field '{}.param_groups' is not supported (only optimizer.param_groups)", field));
  }

  // optimizers: {generator: {name: adam, lr: 2e-4, betas: [0.5, 0.999]}, discriminator: {...}}: one optimiser
  // per network of a training module (the network names are checked against the model when it is built).
  void read_optimizers(const YAML::Node& node, std::map<std::string, OptimizerConfig>& out) const {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      fail(node, "optimizers",
           fmt::format("field 'optimizers' must be a map of network name -> optimizer (e.g. {{generator: "
                       "{{name: adam, lr: 0.0002}}}}), got {}",
                       describe(node)));
    }
    for (const auto& item : node) {
      const std::string network = item.first.as<std::string>();
      OptimizerConfig o;
      read_optimizer(item.second, o, "optimizers." + network);
      out[network] = std::move(o);
    }
  }

  // optimizer.param_groups: [{params: "fc.*", lr: 0.01}, ...].
  void read_param_groups(const YAML::Node& node, OptimizerConfig& o) const {
    const std::string field = "optimizer.param_groups";
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
      fail(node, field,
           fmt::format("field '{}' must be a list of {{params: <glob>, lr: <number>}}, got {}", field,
                       describe(node)));
    }
    o.param_groups.clear();
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string entry = fmt::format("{}[{}]", field, i);
      if (!item.IsMap()) {
        fail(item, field,
             fmt::format("'{}' must be a map {{params: <glob>, lr: <number>}}, got {}", entry,
                         describe(item)));
      }
      check_keys(item, entry, {"params", "lr"});
      ParamGroupConfig g;
      g.where = where(item, field);
      if (!read(item, entry, "params", g.params) || g.params.empty())
        fail(item, field, fmt::format("field '{}.params' is missing (a glob on parameter names)", entry));
      if (!read(item, entry, "lr", g.lr)) fail(item, field, fmt::format("field '{}.lr' is missing", entry));
      if (!(g.lr > 0))
        fail(item["lr"], field, fmt::format("field '{}.lr' must be positive, got {}", entry, g.lr));
      for (const auto& other : o.param_groups) {
        if (other.params == g.params)
          fail(item["params"], field, fmt::format("'{}' repeats the pattern '{}'", entry, g.params));
      }
      o.param_groups.push_back(g);
    }
  }

  // init: {checkpoint, skip, rename, strict}.
  void read_init(const YAML::Node& node, InitConfig& in) const {
    check_section(node, "init", false);
    if (!node.IsDefined() || node.IsNull()) return;
    check_keys(node, "init", {"checkpoint", "skip", "rename", "strict"});
    if (!read(node, "init", "checkpoint", in.checkpoint) || in.checkpoint.empty())
      fail(node, "init.checkpoint",
           "field 'init.checkpoint' is missing (the safetensors file to start from)");
    in.where = where(node["checkpoint"], "init.checkpoint");
    read_list(node, "init", "skip", in.skip);
    for (const auto& g : in.skip) {
      if (g.empty()) fail(node["skip"], "init.skip", "field 'init.skip' must hold non-empty globs");
    }
    read(node, "init", "strict", in.strict);
    const YAML::Node rename = node["rename"];
    if (rename.IsDefined() && !rename.IsNull()) {
      if (!rename.IsMap()) {
        fail(rename, "init.rename",
             fmt::format("field 'init.rename' must be a map of prefixes {{from: to}}, got {}",
                         describe(rename)));
      }
      in.rename.clear();
      for (const auto& kv : rename) {
        const std::string from = as<std::string>(kv.first, "init.rename");
        // An empty or null value renames to nothing: {"backbone.": ""} or {backbone.: }.
        const std::string to = kv.second.IsNull() ? "" : as<std::string>(kv.second, "init.rename." + from);
        in.rename.emplace_back(from, to);
      }
    }
  }

  // distill: {teacher_config, teacher_checkpoint, temperature, alpha}.
  void read_distill(const YAML::Node& node, DistillConfig& d) const {
    check_section(node, "distill", false);
    if (!node.IsDefined() || node.IsNull()) return;
    check_keys(node, "distill",
               {"teacher_config", "teacher_checkpoint", "temperature", "alpha", "cache_teacher_logits"});
    if (!read(node, "distill", "teacher_config", d.teacher_config) || d.teacher_config.empty())
      fail(node, "distill.teacher_config",
           "field 'distill.teacher_config' is missing (the teacher's YAML config)");
    d.where = where(node["teacher_config"], "distill.teacher_config");
    if (!read(node, "distill", "teacher_checkpoint", d.teacher_checkpoint) || d.teacher_checkpoint.empty())
      fail(node, "distill.teacher_checkpoint",
           "field 'distill.teacher_checkpoint' is missing (the teacher's trained weights)");
    if (read(node, "distill", "temperature", d.temperature) && !(d.temperature > 0.0))
      fail(node["temperature"], "distill.temperature",
           fmt::format("field 'distill.temperature' must be positive, got {}", d.temperature));
    if (read(node, "distill", "alpha", d.alpha) && !(d.alpha >= 0.0 && d.alpha <= 1.0))
      fail(node["alpha"], "distill.alpha",
           fmt::format("field 'distill.alpha' must be in [0, 1], got {}", d.alpha));
    read(node, "distill", "cache_teacher_logits", d.cache_teacher_logits);
  }

  // prune: {method, sparsity, schedule, begin_step, end_step, frequency, initial_sparsity, layers,
  // round_to}.
  void read_prune(const YAML::Node& node, PruneConfig& p) const {
    check_section(node, "prune", false);
    if (!node.IsDefined() || node.IsNull()) return;
    check_keys(node, "prune",
               {"method", "sparsity", "schedule", "begin_step", "end_step", "frequency", "initial_sparsity",
                "layers", "round_to"});
    const std::set<std::string> methods = {"global", "layer", "channels"};
    if (!read(node, "prune", "method", p.method))
      fail(node, "prune.method", "field 'prune.method' is missing (global, layer or channels)");
    if (!methods.count(p.method))
      fail(node["method"], "prune.method",
           fmt::format("field 'prune.method' must be global, layer or channels, got '{}'{}", p.method,
                       did_you_mean(p.method, {"global", "layer", "channels"})));
    p.where = where(node["method"], "prune.method");
    const bool channels = p.method == "channels";
    if (read(node, "prune", "sparsity", p.sparsity) &&
        !(p.sparsity >= 0.0 && (channels ? p.sparsity < 1.0 : p.sparsity <= 1.0)))
      fail(node["sparsity"], "prune.sparsity",
           fmt::format("field 'prune.sparsity' must be in [0, 1{} for method '{}', got {}",
                       channels ? ")" : "]", p.method, p.sparsity));
    if (read(node, "prune", "schedule", p.schedule) && p.schedule != "one_shot" && p.schedule != "polynomial")
      fail(node["schedule"], "prune.schedule",
           fmt::format("field 'prune.schedule' must be one_shot or polynomial, got '{}'{}", p.schedule,
                       did_you_mean(p.schedule, {"one_shot", "polynomial"})));
    if (read(node, "prune", "begin_step", p.begin_step) && p.begin_step < 0)
      fail(node["begin_step"], "prune.begin_step",
           fmt::format("field 'prune.begin_step' must be non-negative, got {}", p.begin_step));
    const bool polynomial = p.schedule == "polynomial";
    for (const char* key : {"end_step", "frequency", "initial_sparsity"}) {
      if (!polynomial && node[key].IsDefined() && !node[key].IsNull())
        fail(node[key], std::string("prune.") + key,
             fmt::format("field 'prune.{}' applies to schedule polynomial, not '{}'", key, p.schedule));
    }
    if (read(node, "prune", "end_step", p.end_step) && p.end_step != 0 && p.end_step <= p.begin_step)
      fail(node["end_step"], "prune.end_step",
           fmt::format("field 'prune.end_step' must be after prune.begin_step ({}), got {}", p.begin_step,
                       p.end_step));
    if (read(node, "prune", "frequency", p.frequency) && p.frequency < 0)
      fail(node["frequency"], "prune.frequency",
           fmt::format("field 'prune.frequency' must be positive (0: automatic), got {}", p.frequency));
    if (read(node, "prune", "initial_sparsity", p.initial_sparsity) &&
        !(p.initial_sparsity >= 0.0 && p.initial_sparsity <= p.sparsity))
      fail(node["initial_sparsity"], "prune.initial_sparsity",
           fmt::format("field 'prune.initial_sparsity' must be in [0, prune.sparsity = {}], got {}",
                       p.sparsity, p.initial_sparsity));
    if (read_list(node, "prune", "layers", p.layers)) {
      for (const auto& g : p.layers) {
        if (g.empty()) fail(node["layers"], "prune.layers", "field 'prune.layers' must hold non-empty globs");
      }
      p.layers_where = where(node["layers"], "prune.layers");
    }
    if (read(node, "prune", "round_to", p.round_to) && p.round_to < 1)
      fail(node["round_to"], "prune.round_to",
           fmt::format("field 'prune.round_to' must be at least 1, got {}", p.round_to));
    if (!channels && node["round_to"].IsDefined() && !node["round_to"].IsNull())
      fail(node["round_to"], "prune.round_to",
           fmt::format("field 'prune.round_to' applies to method channels, not '{}'", p.method));
    if (channels && (polynomial || p.begin_step != 0))
      fail(node[polynomial ? "schedule" : "begin_step"], polynomial ? "prune.schedule" : "prune.begin_step",
           "method channels removes channels once, before training: it takes schedule one_shot at "
           "begin_step 0");
  }

  // freeze: a list of globs, or {patterns: [...], unfreeze_at_epoch: N}.
  void read_freeze(const YAML::Node& node, FreezeConfig& f) const {
    if (!node.IsDefined() || node.IsNull()) return;
    YAML::Node patterns = node;
    if (node.IsMap()) {
      check_keys(node, "freeze", {"patterns", "unfreeze_at_epoch"});
      if (!node["patterns"].IsDefined() || node["patterns"].IsNull())  // resetting to an absent node throws
        fail(node, "freeze.patterns", "field 'freeze.patterns' is missing (globs on parameter names)");
      patterns.reset(node["patterns"]);
      if (read(node, "freeze", "unfreeze_at_epoch", f.unfreeze_at_epoch) && f.unfreeze_at_epoch < 1) {
        fail(node["unfreeze_at_epoch"], "freeze.unfreeze_at_epoch",
             fmt::format("field 'freeze.unfreeze_at_epoch' must be >= 1 (the first epoch is 1), got {}",
                         f.unfreeze_at_epoch));
      }
    } else if (!node.IsSequence() && !node.IsScalar()) {
      fail(node, "freeze",
           fmt::format("'freeze' must be a list of patterns or a map, got {}", describe(node)));
    }
    const std::string field = node.IsMap() ? "freeze.patterns" : "freeze";
    f.patterns.clear();
    if (patterns.IsScalar()) {
      f.patterns.push_back(as<std::string>(patterns, field));
    } else if (patterns.IsSequence()) {
      for (const auto& p : patterns) f.patterns.push_back(as<std::string>(p, field));
    } else {
      fail(patterns, field,
           fmt::format("field '{}' must be a list of globs, got {}", field, describe(patterns)));
    }
    if (f.patterns.empty()) fail(patterns, field, fmt::format("field '{}' lists no pattern", field));
    for (const auto& p : f.patterns) {
      if (p.empty()) fail(patterns, field, fmt::format("field '{}' must hold non-empty globs", field));
    }
    f.where = where(patterns, field);
  }

  void read_scheduler(const YAML::Node& node, SchedulerConfig& s, const OptimizerConfig& o,
                      const std::vector<std::string>& metrics) const {
    // Plateau's mode follows from the metric it monitors, which the CLI names.
    std::map<std::string, std::set<std::string>> fields{{"none", {}}};
    for (const auto& t : optim::scheduler_types()) {
      for (const auto& spec : t.options) {
        if (!(t.name == "plateau" && spec.name == "mode")) fields[t.name].insert(spec.name);
      }
      if (t.needs_metric) fields[t.name].insert("monitor");
    }
    const auto [names, all] = variant_keys(fields);
    check_section(node, "scheduler", true);
    check_keys(node, "scheduler", all);
    if (!node.IsDefined() || node.IsNull()) return;
    if (node.IsMap() && !node["name"].IsDefined())
      fail(node, "scheduler", "field 'scheduler.name' is missing");
    const std::string name = name_of(node, "scheduler", "none", names);
    check_applies(node, "scheduler", name, fields.at(name));
    s.name = name == "none" ? "" : name;
    if (s.name.empty()) return;
    const optim::SchedulerType& type = optim::scheduler_type(s.name);
    s.options = read_options(node, "scheduler", type.options, {"max_lr", "mode"});
    if (s.name == "onecycle") {
      read(node, "scheduler", "max_lr", s.max_lr);
      if (s.max_lr < 0) fail(node["max_lr"], "scheduler.max_lr", "field 'scheduler.max_lr' must be positive");
      if (s.max_lr == 0) s.max_lr = o.lr;
    }
    if (type.needs_metric) {
      read(node, "scheduler", "monitor", s.monitor);
      check_monitor(node.IsMap() && node["monitor"].IsDefined() ? node["monitor"] : node, "scheduler.monitor",
                    s.monitor, metrics);
    }
    check_options(node, "scheduler", s.options, [&] {
      Tensor p = zeros({1}).requires_grad_();
      optim::SGD optimizer({p}, {.lr = o.lr});
      optim::create_scheduler(s.name, optimizer, {.total_steps = 1}, scheduler_options(s));
    });
  }

  void check_monitor(const YAML::Node& node, const std::string& field, const std::string& value,
                     const std::vector<std::string>& metrics) const {
    std::vector<std::string> known{"loss", "accuracy"};
    for (const auto& m : metrics) {
      if (std::find(known.begin(), known.end(), m) == known.end()) known.push_back(m);
    }
    for (size_t i = 0, n = known.size(); i < n; ++i) known.push_back("val_" + known[i]);
    if (std::find(known.begin(), known.end(), value) == known.end()) {
      fail(node, field, fmt::format("field '{}' must be one of {}, got '{}'", field, join(known), value));
    }
  }

  void read_training(const YAML::Node& node, TrainingConfig& t,
                     const std::vector<std::string>& metrics) const {
    check_section(node, "training", false);
    check_keys(node, "training",
               {"epochs", "seed", "threads", "monitor", "early_stopping", "autocast", "clip_grad_norm",
                "clip_grad_value"});
    read(node, "training", "epochs", t.epochs);
    read(node, "training", "seed", t.seed);
    read(node, "training", "threads", t.threads);
    read(node, "training", "monitor", t.monitor);
    auto at = [&](const char* key) { return node.IsMap() && node[key].IsDefined() ? node[key] : node; };
    if (t.epochs <= 0)
      fail(at("epochs"), "training.epochs",
           fmt::format("field 'training.epochs' must be positive, got {}", t.epochs));
    if (t.threads < 0)
      fail(at("threads"), "training.threads", "field 'training.threads' must be >= 0 (0: all cores)");
    check_monitor(at("monitor"), "training.monitor", t.monitor, metrics);
    read(node, "training", "autocast", t.autocast);
    if (t.autocast != "off" && t.autocast != "bf16")
      fail(at("autocast"), "training.autocast",
           fmt::format("field 'training.autocast' must be 'off' or 'bf16', got '{}'", t.autocast));
    read(node, "training", "clip_grad_norm", t.clip_grad_norm);
    read(node, "training", "clip_grad_value", t.clip_grad_value);
    for (const auto& [key, value] : {std::pair<const char*, double>{"clip_grad_norm", t.clip_grad_norm},
                                     std::pair<const char*, double>{"clip_grad_value", t.clip_grad_value}}) {
      if (!(value >= 0))
        fail(at(key), std::string("training.") + key,
             fmt::format("field 'training.{}' must be >= 0 (0: off), got {}", key, value));
    }
    const YAML::Node es = node.IsMap() ? node["early_stopping"] : YAML::Node();
    if (!es.IsDefined() || es.IsNull()) return;
    check_section(es, "training.early_stopping", false);
    check_keys(es, "training.early_stopping", {"monitor", "patience", "min_delta"});
    t.early_stopping.enabled = true;
    read(es, "training.early_stopping", "monitor", t.early_stopping.monitor);
    read(es, "training.early_stopping", "patience", t.early_stopping.patience);
    read(es, "training.early_stopping", "min_delta", t.early_stopping.min_delta);
    check_monitor(es["monitor"].IsDefined() ? es["monitor"] : es, "training.early_stopping.monitor",
                  t.early_stopping.monitor, metrics);
    if (t.early_stopping.patience < 0) {
      fail(es["patience"], "training.early_stopping.patience",
           "field 'training.early_stopping.patience' must be >= 0");
    }
  }

  void read_metrics(const YAML::Node& node, std::vector<std::string>& metrics) const {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence())
      fail(node, "metrics", fmt::format("'metrics' must be a list, got {}", describe(node)));
    metrics.clear();
    for (const auto& m : node) {
      const std::string name = as<std::string>(m, "metrics");
      if (name != "loss") {
        bool scalar = true;
        try {
          scalar = ::strata::metrics::make(name)->is_scalar();
        } catch (const Error& e) {
          fail(m, "metrics", e.what());
        }
        if (!scalar)
          fail(m, "metrics", fmt::format("metric '{}' is not a single number, so it cannot be logged", name));
      }
      metrics.push_back(name);
    }
  }

  Config read() const {
    Config c;
    c.path = path_;
    YAML::Node doc = load_document();
    check_keys(doc, "",
               {"name", "data", "model", "loss", "optimizer", "scheduler", "training", "metrics", "init",
                "freeze", "distill", "prune", "optimizers", "federated"});
    if (doc["name"].IsDefined() && !doc["name"].IsNull()) c.name = as<std::string>(doc["name"], "name");
    read_data(doc["data"], c.data);
    read_model(doc["model"].IsDefined() ? doc["model"] : YAML::Node(), c.model);
    read_loss(doc["loss"], c.loss);
    read_optimizer(doc["optimizer"], c.optimizer);
    read_optimizers(doc["optimizers"], c.optimizers);
    read_metrics(doc["metrics"], c.metrics);
    read_scheduler(doc["scheduler"], c.scheduler, c.optimizer, c.metrics);
    read_training(doc["training"], c.training, c.metrics);
    read_init(doc["init"], c.init);
    read_freeze(doc["freeze"], c.freeze);
    read_distill(doc["distill"], c.distill);
    read_prune(doc["prune"], c.prune);
    if (c.scheduler.name == "onecycle" && !c.optimizer.param_groups.empty()) {
      fail(doc["optimizer"]["param_groups"], "optimizer.param_groups",
           "field 'optimizer.param_groups' does not combine with scheduler 'onecycle', which sets one peak "
           "rate "
           "for every group (use cosine, step, multistep, exponential or plateau)");
    }
    return c;
  }

 private:
  bool check_text_path_;
};

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  return strata::did_you_mean(word, known);
}

Override parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  STRATA_CHECK(eq != std::string::npos && eq > 0,
               "--set {}: expected KEY=VALUE, e.g. --set optimizer.lr=0.01", text);
  const std::string key = text.substr(0, eq);
  STRATA_CHECK(key.find("..") == std::string::npos && key.front() != '.' && key.back() != '.',
               "--set {}: '{}' is not a dotted field path such as optimizer.lr", text, key);
  return {key, text.substr(eq + 1), "--set " + text};
}

Config load_config(const std::string& path, const std::vector<Override>& overrides, bool check_text_path) {
  STRATA_CHECK(std::filesystem::is_regular_file(path), "config file {} does not exist", path);
  return Reader(path, overrides, check_text_path).read();
}

}  // namespace strata::cli
