#pragma once
// Translation in the CLI (dataset `translation`): the German-English sentence pairs of trans-de-en with a
// byte-level BPE shared by both languages, BLEU of a trained transformer_seq2seq on the validation split
// per epoch (`strata train`) and on the test split with greedy and beam search (`strata eval`), and
// `strata translate`, which prints the translation of one sentence.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "strata/data/text/beam_search.h"
#include "strata/data/text/de_en.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/train/callback.h"
#include "text_data.h"
#include "training_data.h"

namespace strata::cli {

// The splits of a translation config: train, validation and test pairs and the tokenizer fitted on the
// training pairs (both sides).
TrainingData load_translation_data(const Config& c, bool with_train);

// The sentence pairs of a translation config's test (or validation) split, as load_translation_data cuts
// them (data.test_limit applies to the test split).
std::vector<data::text::SentencePair> translation_pairs(const Config& c, bool validation);

// Translations of `sources` (German sentences) in batches of batch_size.
std::vector<std::string> translate_texts(models::TransformerSeq2SeqImpl& model, const TextTokenizer& tok,
                                         const std::vector<std::string>& sources,
                                         const data::text::SearchOptions& search, int64_t batch_size,
                                         int64_t max_source_length);

// Corpus BLEU (metrics::corpus_bleu on bleu_tokenize'd text) of translating the pairs' sources; the
// references of one German sentence are all its English translations among the pairs. When given,
// `translations` receives (German sentence, translation) in order of first appearance.
double translation_bleu(models::TransformerSeq2SeqImpl& model, const TextTokenizer& tok,
                        const std::vector<data::text::SentencePair>& pairs,
                        const data::text::SearchOptions& search, int64_t batch_size,
                        int64_t max_source_length,
                        std::vector<std::pair<std::string, std::string>>* translations = nullptr);

// The decoding options of a tokenizer's <bos> / <eos> with a beam size.
data::text::SearchOptions search_options(const TextTokenizer& tok, int64_t beam_size,
                                         double length_penalty = 1.0, int64_t max_length = 64);

// Prints (and appends to out_dir/bleu.csv) the greedy BLEU on the first data.text.bleu_sentences
// validation pairs after each epoch.
std::shared_ptr<train::Callback> make_bleu_callback(const Config& c, const TrainingData& d,
                                                    std::shared_ptr<nn::Module> model,
                                                    const std::string& out_dir);

// `strata eval` of a translation config: test BLEU with greedy and beam-4 search ("test_bleu_greedy",
// "test_bleu_beam4"), decoding with the tokenizer of run_dir; writes report_dir/translations.tsv (German,
// reference, greedy, beam 4 per test sentence).
std::vector<std::pair<std::string, std::string>> translation_eval(const Config& c, const std::string& run_dir,
                                                                  nn::Module& model,
                                                                  const std::string& report_dir);

struct TranslateArgs {
  std::string config;
  std::string checkpoint;
  std::string text;
  int64_t beam = 1;
  double length_penalty = 1.0;
  int64_t max_length = 0;  // 0: the config's data.text.max_length (64 when that is 0)
};

// Adds the `translate` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_translate_command(CLI::App& app, TranslateArgs& args);

// Loads the model and tokenizer beside the checkpoint and prints the translation; returns the exit code.
int run_translate(const TranslateArgs& args);

}  // namespace strata::cli
