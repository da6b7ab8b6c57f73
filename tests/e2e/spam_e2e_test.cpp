// End to end: an embedding + bidirectional GRU + linear classifier separates spam from ham in the
// SpamAssassin corpus with at least 95% accuracy on a held-out test split. Needs scripts/fetch-data text.
#include <gtest/gtest.h>

#include <chrono>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/collate.h"
#include "strata/data/text/corpora.h"
#include "strata/data/text/word_tokenizer.h"
#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/optim/adam.h"
#include "strata/optim/clip.h"
#include "strata/strata.h"

namespace strata {
namespace {

namespace text = data::text;

// Embedding -> bidirectional GRU over the real steps of each e-mail -> the two final states and the mean of
// the outputs over the real steps -> linear.
class SpamNet : public nn::Module {
 public:
  SpamNet(int64_t vocab, int64_t embed, int64_t hidden, int64_t pad_id) : Module("SpamNet"), pad_id_(pad_id) {
    embedding_ = register_module("embedding", nn::Embedding(vocab, embed, pad_id).ptr());
    gru_ = register_module("gru", nn::GRU(embed, hidden, {.batch_first = true, .bidirectional = true}).ptr());
    fc_ = register_module("fc", nn::Linear(4 * hidden, 2).ptr());
  }
  Tensor forward(const Tensor& tokens) override {
    const Tensor lengths = text::sequence_lengths(tokens, pad_id_);
    const nn::RNNOutput out = gru_->forward(embedding_->forward(tokens), Tensor(), lengths);
    // Outputs past each e-mail's end are zero, so the sum over time divided by the length is the mean.
    const Tensor mean = out.output.sum(Shape{1}) / lengths.to(kFloat32).unsqueeze(1);
    const Tensor features = ops::cat({out.h_n.select(0, 0), out.h_n.select(0, 1), mean}, 1);
    return fc_->forward(features);
  }

 private:
  int64_t pad_id_;
  std::shared_ptr<nn::EmbeddingImpl> embedding_;
  std::shared_ptr<nn::GRUImpl> gru_;
  std::shared_ptr<nn::LinearImpl> fc_;
};

TEST(SpamEndToEnd, BiGRUReachesNinetyFivePercent) {
  const auto start = std::chrono::steady_clock::now();
  // Small recurrent matmuls gain nothing from threads; one keeps the test quick when ctest runs tests side by
  // side.
  set_num_threads(1);
  manual_seed(0);
  const text::TextCorpus corpus = text::load_spam_assassin("", {.max_bytes = 4096});
  ASSERT_EQ(corpus.classes, (std::vector<std::string>{"ham", "spam"}));
  const auto [train, test] = text::stratified_split(corpus, 0.2, 0);
  const text::WordTokenizer tok = text::WordTokenizer::fit(train.texts, {.min_freq = 2, .max_size = 20000});
  const int64_t pad = *tok.vocab().pad_id();
  const int64_t max_len = 128;
  const auto encode = [&](const std::string& s) { return tok.encode(s, max_len); };
  auto train_set = std::make_shared<text::TextClassificationDataset>(train, encode);
  auto test_set = std::make_shared<text::TextClassificationDataset>(test, encode);
  const data::Collate collate = text::pad_collate({.pad_id = pad});
  data::DataLoader train_loader(train_set,
                                {.batch_size = 32, .shuffle = true, .seed = 1, .collate = collate});
  data::DataLoader test_loader(test_set, {.batch_size = 128, .collate = collate});

  auto model = std::make_shared<SpamNet>(tok.vocab_size(), 32, 32, pad);
  optim::Adam opt(model->parameters(), {.lr = 5e-3});
  const int epochs = 3;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (const data::Batch& b : train_loader) {
      const Tensor loss = ops::cross_entropy((*model)(b.input), b.target);
      opt.zero_grad();
      loss.backward();
      optim::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
    }
  }

  NoGradGuard no_grad;
  model->eval();
  int64_t tp = 0, fp = 0, fn = 0, correct = 0, total = 0;
  for (const data::Batch& b : test_loader) {
    const std::vector<int64_t> pred = (*model)(b.input).argmax(1).to_vector<int64_t>();
    const std::vector<int64_t> truth = b.target.to_vector<int64_t>();
    for (size_t i = 0; i < pred.size(); ++i) {
      correct += pred[i] == truth[i];
      tp += pred[i] == 1 && truth[i] == 1;
      fp += pred[i] == 1 && truth[i] == 0;
      fn += pred[i] == 0 && truth[i] == 1;
      ++total;
    }
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(total);
  const double precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
  const double recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0;
  const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("spam: %lld test e-mails, accuracy %.4f, spam precision %.4f recall %.4f F1 %.4f (%.1f s)\n",
              static_cast<long long>(total), accuracy, precision, recall, f1, seconds);
  EXPECT_EQ(total, test.size());
  EXPECT_GE(accuracy, 0.95);
  EXPECT_GE(f1, 0.90);
}

}  // namespace
}  // namespace strata
