// End to end: a tiny Transformer learns to translate a small set of short German sentences of trans-de-en
// (the Debian package, read in place): its loss falls well below where it starts, and greedy and beam
// decoding of the same sentences reach a clear BLEU. Without the package it checks the error instead.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/bpe.h"
#include "strata/data/text/de_en.h"
#include "strata/data/text/translation_dataset.h"
#include "strata/metrics/bleu.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/nn.h"
#include "strata/optim/adam.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

namespace text = data::text;

TEST(TranslationEndToEnd, TinyTransformerLearnsShortSentences) {
  if (!std::filesystem::exists(text::de_en_path())) {
    EXPECT_ERROR_CONTAINS(text::load_de_en_sentences(), "trans-de-en");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  set_num_threads(1);
  manual_seed(0);
  // 48 training pairs of at most 4 words a side.
  const auto all = text::split_translation_pairs(text::load_de_en_sentences()).train;
  std::vector<text::SentencePair> pairs;
  for (const auto& p : all) {
    auto words = [](const std::string& s) { return std::count(s.begin(), s.end(), ' ') + 1; };
    if (words(p.source) <= 4 && words(p.target) <= 4) pairs.push_back(p);
    if (pairs.size() == 48) break;
  }
  ASSERT_EQ(pairs.size(), 48U);
  std::vector<std::string> texts;
  for (const auto& p : pairs) {
    texts.push_back(p.source);
    texts.push_back(p.target);
  }
  const auto bpe =
      text::ByteLevelBPE::train(texts, {.vocab_size = 400, .special_tokens = {"<pad>", "<bos>", "<eos>"}});
  const text::TranslationTokens tokens{.pad_id = *bpe.special_id("<pad>"),
                                       .bos_id = *bpe.special_id("<bos>"),
                                       .eos_id = *bpe.special_id("<eos>")};
  auto ds = std::make_shared<text::TranslationDataset>(
      pairs, [&](std::string_view s) { return bpe.encode(s); }, tokens);
  data::DataLoader loader(
      ds,
      {.batch_size = 16, .shuffle = true, .seed = 1, .collate = text::translation_collate(tokens.pad_id)});
  models::TransformerSeq2Seq model(models::TransformerSeq2SeqOptions{.src_vocab_size = bpe.vocab_size(),
                                                                     .d_model = 64,
                                                                     .nhead = 4,
                                                                     .num_encoder_layers = 1,
                                                                     .num_decoder_layers = 1,
                                                                     .dim_feedforward = 128,
                                                                     .dropout = 0.0,
                                                                     .max_positions = 64,
                                                                     .pad_id = tokens.pad_id});
  optim::AdamW opt(model->parameters(), {.lr = 3e-3, .weight_decay = 0.0});
  nn::CrossEntropyLoss loss_fn({.ignore_index = tokens.pad_id});
  double first = 0, last = 0;
  for (int epoch = 0; epoch < 60; ++epoch) {
    double sum = 0;
    int batches = 0;
    for (const data::Batch& b : loader) {
      opt.zero_grad();
      const Tensor loss = loss_fn(model(b.input), b.target);
      loss.backward();
      opt.step();
      sum += loss.item();
      ++batches;
    }
    if (epoch == 0) first = sum / batches;
    last = sum / batches;
  }
  EXPECT_LT(last, 0.25 * first) << "first epoch " << first << ", last " << last;

  std::vector<std::vector<int64_t>> sources;
  std::vector<std::vector<metrics::Tokens>> refs;
  for (int64_t i = 0; i < ds->size(); ++i) {
    sources.push_back(ds->source_ids(i));
    refs.push_back({metrics::bleu_tokenize(pairs[static_cast<size_t>(i)].target)});
  }
  const Tensor src = text::pad_sources(sources, tokens.pad_id);
  for (const int64_t beam : {1, 4}) {
    const auto hyps = model->translate(
        src, {.bos_id = tokens.bos_id, .eos_id = tokens.eos_id, .max_length = 24, .beam_size = beam});
    std::vector<metrics::Tokens> out;
    for (const auto& h : hyps) out.push_back(metrics::bleu_tokenize(bpe.decode(h.tokens)));
    // Memorised training sentences: BLEU well above what unrelated text scores (0).
    const double bleu = metrics::corpus_bleu(refs, out);
    std::cout << "beam " << beam << ": BLEU " << bleu << " (loss " << first << " -> " << last << ")\n";
    EXPECT_GT(bleu, 0.5) << "beam " << beam << ": " << bpe.decode(hyps[0].tokens);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 120.0);
}

}  // namespace
}  // namespace strata
