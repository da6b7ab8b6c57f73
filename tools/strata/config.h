#pragma once
// The training configuration the `strata` command reads from YAML, validated field by field; every
// error names the file, line and field (or the command-line override that set it). docs/config.md
// documents the schema.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/models/zoo.h"
#include "strata/nn/layer_registry.h"

namespace strata::cli {

// One layer of a `model.layers` list: its type (a layer or a block) and arguments, with where it was
// written for error messages.
struct LayerSpec {
  std::string type{};
  YAML::Node args{};    // map, sequence, scalar or null
  std::string where{};  // "file:line", or the override that set the layer list
  std::string name{};   // empty: its position
  int64_t repeat = 1;
};

// data.text.augment: EDA (strata/data/text/augment.h) on the training texts of a text-folder dataset, one
// enabled operation chosen at random per read of a text. A rate of 0 turns that operation off.
struct TextAugmentConfig {
  bool enabled = false;
  double synonym_replacement = 0.0;  // WordNet synonyms for max(1, round(rate * words)) words
  double random_insertion = 0.0;     // insert max(1, round(rate * words)) synonyms at random places
  double random_swap = 0.0;          // swap two words max(1, round(rate * words)) times
  double random_deletion = 0.0;      // delete each word with this probability
  std::optional<uint64_t> seed;      // unset: training.seed
};

// data.text: the text datasets (dataset text-lm or text-folder); read by Reader::read_text_data, which
// resolves the defaults that depend on the dataset and the tokenizer.
struct TextDataConfig {
  std::string
      corpus;        // moby-dick (text-lm) | spam-assassin (text-folder) | de-en (translation); empty: `path`
  std::string path;  // a UTF-8 text file (text-lm) or a folder with one sub-folder per class (text-folder)
  std::string tokenizer;         // char | word | bpe; default char for text-lm, word for text-folder, bpe for
                                 // translation
  int64_t vocab_size = 4000;     // bpe: 256 bytes + merges + <pad> <bos> <eos>
  bool lowercase = false;        // lower ASCII letters; default true for word, false for char
  int64_t min_freq = 1;          // tokens seen fewer times in the training split map to <unk>
  int64_t max_vocab = 0;         // at most this many tokens, specials included (0: all)
  double test_fraction = 0.1;    // text-lm: the end of the text; text-folder: a stratified random share
  int64_t seq_len = 100;         // text-lm: tokens per window
  int64_t stride = 0;            // text-lm: tokens between window starts (0: seq_len)
  int64_t max_length = 0;        // text-folder, translation: keep the first N tokens of each text (0: all)
  double val_fraction = 0.05;    // translation: the sentences held out for validation (hash of the German)
  int64_t bleu_sentences = 200;  // translation: validation sentences translated for BLEU per epoch (0: all)
  int64_t max_bytes = 0;         // text-folder: read the first N bytes of each file (0: all)
  std::vector<std::string> extensions = {".txt"};  // text-folder with `path`: the files read
  TextAugmentConfig augment;                       // text-folder: augmentation of the training split
  // text-folder, masked-LM pre-training: the texts of the training split without their labels, BERT-style
  // masked (mask_prob of the tokens); the word vocabulary gains <mask> and each text starts with <bos>.
  bool masked_lm = false;
  double mask_prob = 0.15;
  double label_fraction = 1.0;         // text-folder: train on a stratified share of the training labels
  std::optional<uint64_t> split_seed;  // of the train/test split (unset: training.seed)
  std::string tokenizer_from;          // a saved tokenizer.json (or run folder) used instead of fitting one
};

// One step of data.table.steps (or of `strata data clean`): a cleaning step applied to the whole table
// before the split, or an encoder/scaler fitted on the training split only.
struct TableStepConfig {
  std::string kind;           // dedup | drop_missing | missing_indicator | impute | outliers | encode | scale
  std::string method;         // impute: strategy; outliers: method; encode, scale: encoder kind
  std::string action;         // outliers: flag | drop | clip
  std::string axis = "rows";  // drop_missing: rows | columns
  std::vector<std::string> columns;  // empty: every column the step applies to (never the target)
  std::optional<double> threshold;   // drop_missing: missing fraction; outliers: the method's t or k
  double value = 0.0;                // impute constant: numbers
  std::string text;                  // impute constant: categories and text
  int64_t neighbors = 5;             // impute knn
  bool indicator = false;            // impute: add <column>_missing flags
  std::string where;                 // "file:line" (or the option) for errors found once the data is read
  // True for the steps fitted on the training split and saved with the model (encode, scale).
  bool fitted() const { return kind == "encode" || kind == "scale"; }
};

// data.table: a CSV/ARFF table with a target column and cleaning steps (dataset table); read by
// Reader::read_table_data.
struct TableDataConfig {
  std::string path;    // CSV/TSV (.gz) or ARFF; relative: as given, under data.root, then in the tables cache
  std::string target;  // the column to predict
  std::string task = "auto";      // auto | classification | regression (auto: float targets are regression)
  std::vector<std::string> drop;  // columns left out right after reading
  std::vector<std::string> na;    // CSV tokens read as missing (empty: the reader's defaults)
  std::vector<std::pair<std::string, std::string>> types;  // column -> type replacing the inferred one
  std::vector<TableStepConfig> steps;
  double test_fraction = 0.2;
  bool stratify = true;  // classification: keep the class proportions in every split
  uint64_t seed = 0;  // of the split; apart from training.seed so every run of a config tests the same rows
  std::string where, target_where, drop_where;  // "file:line" of the fields
};

// data.image: the image-folder and emoji datasets (image_data.cpp). Images are converted to `channels`,
// resized to `size` and normalised per channel, (x / 255 - mean) / std.
struct ImageDataConfig {
  std::string path;                  // image-folder: the folder (found as given, then under data.root)
  std::vector<int64_t> size;         // {height, width} every image is resized to; empty: as stored
  int64_t channels = 3;              // 1 (grey) or 3 (RGB)
  std::vector<double> mean, std;     // one value per channel (or one for all); empty: fitted on training
  std::optional<double> background;  // transparent pixels are composited over this grey level in [0, 1]
  double test_fraction =
      0.2;            // a folder without train/ and test/ sub-folders: a stratified share for testing
  uint64_t seed = 0;  // of that split and of the order data.limit / data.test_limit take images in
  std::string where;  // "file:line" of the section (or of data.dataset), for errors found later
};

struct DataConfig {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | image-folder | emoji | text-lm | ...
  std::string root;                       // empty: the dataset's default location
  int64_t batch_size = 64;
  int64_t eval_batch_size = 1000;  // test/validation batches; default batch_size for text-lm (logits B*T*V)
  bool normalize = true;  // subtract the dataset's mean pixel, divide by its standard deviation (per channel)
  bool shuffle = true;
  int num_workers = 0;
  int64_t limit = 0;       // use only the first N training examples (0: all)
  int64_t test_limit = 0;  // use only the first N test examples (0: all)
  double val_fraction =
      0.1;  // hold out this seeded share of the training split for validation (0: the test split validates)
  TextDataConfig text;
  TableDataConfig table;
  ImageDataConfig image;
  YAML::Node augment;  // data.augment: image augmentation of the training split, as `strata data augment`
  // Classification subsets (any source; applied after `limit`, before `val_fraction`'s split):
  std::vector<int64_t> classes;  // keep these labels only, renumbered 0..k-1 in this order (empty: all)
  int64_t per_class = 0;         // keep the first N training examples of each (kept) class (0: all)
  std::string classes_where, per_class_where;  // "file:line" of the fields, for errors found in the data
  // data.range: [lo, hi] maps pixels from [0, 1] linearly onto [lo, hi] instead of normalising
  // (fashion-mnist, mnist), e.g. [-1, 1] for a generator with a tanh output; empty: off.
  std::vector<double> range;
};

// The model: a named one, a list of `layers` (a chain), or a `graph` of nodes; lists and graphs may use
// `blocks` defined beside them. model_builder.cpp reads graphs and blocks into nn::GraphSpec.
struct ModelConfig {
  std::string name;  // a named model (lenet5, mlp); empty: `layers`, `graph` or `zoo`
  std::string zoo;   // model.zoo: a model of the zoo (models::zoo_names()), built with zoo_options
  models::ZooOptions zoo_options;  // in_channels left unset takes the data's channels
  int64_t classes = 10;
  std::vector<int64_t> sizes = {784, 256, 128, 10};  // mlp
  double dropout = 0.0;                              // mlp
  std::vector<LayerSpec> layers;
  YAML::Node graph;    // model.graph: a list of nodes
  YAML::Node blocks;   // model.blocks: block name -> {params, graph, output}
  std::string output;  // model.output: the graph node the model returns (default: the last)
  YAML::Node node;     // as written, for the resolved config
  std::string where;   // "file:line", or the override that set the model
};

struct LossConfig {
  std::string name = "cross_entropy";  // one of nn::loss_types() that fits a model's logits
  nn::ArgMap options;                  // as written; the others take the registry's defaults
};

// optimizer.param_groups: parameters whose names match `params` (a glob) train at `lr`.
struct ParamGroupConfig {
  std::string params;
  double lr = 0.0;
  std::string where;  // "file:line" of the entry
};

struct OptimizerConfig {
  std::string name = "adam";  // one of optim::optimizer_types()
  double lr = 1e-3;           // the optimiser's default when not written
  nn::ArgMap options;         // the other options as written; the rest take the registry's defaults
  // Per-pattern learning rates; the first matching entry wins, parameters matching none train at `lr`.
  std::vector<ParamGroupConfig> param_groups;
};

struct SchedulerConfig {
  std::string name;                  // empty (none), or one of optim::scheduler_types()
  nn::ArgMap options;                // as written, but for max_lr and plateau's mode (which `monitor` sets)
  double max_lr = 0.0;               // onecycle: the peak rate (optimizer.lr when not written)
  std::string monitor = "val_loss";  // plateau: the metric it watches
};

struct EarlyStoppingConfig {
  bool enabled = false;
  std::string monitor = "val_loss";
  int patience = 3;
  double min_delta = 0.0;
};

struct TrainingConfig {
  int epochs = 1;
  uint64_t seed = 0;
  int threads = 0;                       // 0: leave as is (STRATA_NUM_THREADS or all cores)
  std::string monitor = "val_accuracy";  // picks best.safetensors
  EarlyStoppingConfig early_stopping;
  std::string autocast = "off";  // "bf16": mixed-precision training steps (FitOptions::autocast)
  double clip_grad_norm = 0.0;   // > 0: scale gradients to this global L2 norm at most (FitOptions)
  double clip_grad_value = 0.0;  // > 0: clamp each gradient element to [-v, v] (FitOptions)
  bool compile = false;          // compiled training steps (FitOptions::compile, docs/compile.md)
};

// init: weights loaded into the freshly built model before training (transfer learning).
struct InitConfig {
  std::string checkpoint;         // a training checkpoint or a plain state dict (safetensors); empty: no init
  std::vector<std::string> skip;  // globs on the checkpoint's entry names to leave out
  std::vector<std::pair<std::string, std::string>> rename;  // prefix renames, in order (from -> to)
  bool strict = false;  // true: every entry of both sides must match, or the run stops
  std::string where;    // "file:line" (or the option) of init.checkpoint
};

// freeze: parameters that do not train (at first), by glob on their dotted names.
struct FreezeConfig {
  std::vector<std::string> patterns;
  int unfreeze_at_epoch = 0;  // > 0: trainable again from this epoch (1-based) on; 0: frozen throughout
  std::string where;          // "file:line" of the patterns
};

// distill: train the model as a student of a saved teacher (knowledge distillation, see
// docs/compression.md): the teacher's config builds it, its checkpoint fills it.
struct DistillConfig {
  std::string teacher_config;        // the teacher's YAML config; empty: no distillation
  std::string teacher_checkpoint;    // its weights (a training checkpoint or a plain state dict)
  double temperature = 4.0;          // T > 0
  double alpha = 0.9;                // weight of the soft (teacher) term, in [0, 1]
  bool cache_teacher_logits = true;  // teacher logits computed once per example (not with data.augment)
  std::string where;                 // "file:line" of distill.teacher_config
};

// prune: prune the model while it trains (see docs/compression.md). Magnitude pruning (global or per
// layer) zeroes weights on a schedule and keeps them zero through training (masks on the gradients and
// weights), then drops the masks at the end; channel pruning removes whole conv channels once, before the
// first step, and trains the smaller network.
struct PruneConfig {
  std::string method;                 // global | layer | channels; empty: no pruning
  double sparsity = 0.5;              // weights zeroed (global, layer) or conv channels removed (channels)
  std::string schedule = "one_shot";  // one_shot | polynomial (Zhu & Gupta 2017)
  int64_t begin_step = 0;             // optimiser steps before the first pruning (t_0)
  int64_t end_step = 0;               // polynomial: the step reaching `sparsity` (t_n); 0: 3/4 of training
  int64_t frequency = 0;              // polynomial: steps between prunings; 0: (end - begin) / 20
  double initial_sparsity = 0.0;      // polynomial: s_i
  std::vector<std::string> layers;    // globs on layer names ("0", "features.*"); empty: every one
  int64_t round_to = 4;               // channels: kept counts rounded up to a multiple of this
  std::string where;                  // "file:line" of prune.method
  std::string layers_where;           // "file:line" of prune.layers
};

// A command-line change to one field, e.g. {"optimizer.lr", "0.01", "--lr 0.01"}.
struct Override {
  std::string key;     // dotted path
  std::string value;   // YAML text
  std::string origin;  // how the user wrote it, for error messages
};

struct Config {
  std::string path;
  std::string name;
  DataConfig data;
  ModelConfig model;
  LossConfig loss;
  OptimizerConfig optimizer;
  // optimizers.<network>: a training module's optimiser per network (e.g. generator, discriminator), each
  // written as `optimizer:` is; networks left out take the module's default.
  std::map<std::string, OptimizerConfig> optimizers;
  SchedulerConfig scheduler;
  TrainingConfig training;
  InitConfig init;
  FreezeConfig freeze;
  DistillConfig distill;
  PruneConfig prune;
  std::vector<std::string> metrics = {"loss", "accuracy"};
};

// " (did you mean 'flatten'?)" when a known word is within a small edit distance of `word`, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& known);
// Parses "key.path=value" (the text of --set) into an Override; throws when there is no '='.
Override parse_override(const std::string& text);
// The --set texts as overrides, then --threads N (when given) as training.threads.
std::vector<Override> cli_overrides(const std::vector<std::string>& set, std::optional<int> threads = {});
// Reads `path`, applies `overrides` in order and validates everything; throws strata::Error naming the
// file, line and field (or the override) on any problem. `check_text_path` false accepts a data.text.path
// that does not exist (any more): `strata generate` needs only the tokenizer saved in the run folder.
Config load_config(const std::string& path, const std::vector<Override>& overrides = {},
                   bool check_text_path = true);
// The resolved config (defaults filled in, overrides applied) as YAML that load_config reads back.
std::string to_yaml(const Config& config);

}  // namespace strata::cli
