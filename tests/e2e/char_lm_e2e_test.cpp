// End to end: a character-level LSTM language model trained briefly on Moby Dick must beat a unigram model's
// bits per character on held-out text by a clear margin. Needs scripts/fetch-data text.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/char_tokenizer.h"
#include "strata/data/text/corpora.h"
#include "strata/data/text/generation.h"
#include "strata/data/text/lm_dataset.h"
#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/optim/adam.h"
#include "strata/optim/clip.h"
#include "strata/strata.h"

namespace strata {
namespace {

namespace text = data::text;

// Mean cross-entropy (nats per character) of the model over the windows of `tokens`.
double evaluate_nats(nn::Sequential& model, const Tensor& tokens, int64_t seq_len, int64_t vocab) {
  NoGradGuard no_grad;
  model->eval();
  auto ds = std::make_shared<text::LanguageModelDataset>(tokens, seq_len);
  data::DataLoader loader(ds, {.batch_size = 64});
  double total = 0;
  int64_t count = 0;
  for (const data::Batch& b : loader) {
    const Tensor logits = model(b.input).reshape({-1, vocab});
    const int64_t n = b.target.numel();
    total += ops::cross_entropy(logits, b.target.reshape({n})).item() * static_cast<double>(n);
    count += n;
  }
  model->train();
  return total / static_cast<double>(count);
}

TEST(CharLMEndToEnd, LSTMBeatsUnigramBitsPerCharacter) {
  const auto start = std::chrono::steady_clock::now();
  // Small recurrent matmuls gain nothing from threads; one keeps the test quick when ctest runs tests side by
  // side.
  set_num_threads(1);
  manual_seed(0);
  const std::string novel = text::load_moby_dick();
  const text::CharTokenizer tok = text::CharTokenizer::fit(novel);
  const Tensor all = tok.encode_tensor(novel);
  // Train on the start of the book, evaluate on its last 5% (chapters never seen in training).
  const auto [head, held_out] = text::split_stream(all, 0.95);
  const Tensor train_tokens = head.narrow(0, 0, 400000);
  const Tensor val_tokens = held_out.narrow(0, 0, 12000);
  const int64_t vocab = tok.vocab_size();
  const double unigram_bpc = text::unigram_bits_per_token(train_tokens, val_tokens, vocab);

  const int64_t seq_len = 64;
  nn::Sequential model(nn::Embedding(vocab, 32), nn::LSTM(32, 128, {.batch_first = true}),
                       nn::Linear(128, vocab));
  optim::Adam opt(model->parameters(), {.lr = 6e-3});
  auto train_set = std::make_shared<text::LanguageModelDataset>(train_tokens, seq_len);
  data::DataLoader loader(train_set, {.batch_size = 32, .shuffle = true, .seed = 1, .drop_last = true});
  int64_t steps = 0;
  const int64_t max_steps = 250;
  while (steps < max_steps) {
    for (const data::Batch& b : loader) {
      const Tensor logits = model(b.input).reshape({-1, vocab});
      const Tensor loss = ops::cross_entropy(logits, b.target.reshape({-1}));
      opt.zero_grad();
      loss.backward();
      optim::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      if (++steps >= max_steps) break;
    }
  }
  const double lstm_bpc = text::nats_to_bits(evaluate_nats(model, val_tokens, seq_len, vocab));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("char LM: vocab %lld, %lld steps, held-out bits/char: LSTM %.3f, unigram %.3f (%.1f s)\n",
              static_cast<long long>(vocab), static_cast<long long>(steps), lstm_bpc, unigram_bpc, seconds);
  EXPECT_GT(unigram_bpc, 4.0);  // English characters under a unigram model: about 4.4 bits
  EXPECT_LT(lstm_bpc, unigram_bpc - 1.0);

  // The trained model generates from a prompt through its recurrent state.
  auto lstm = std::dynamic_pointer_cast<nn::LSTMImpl>((*model)[1]);
  ASSERT_NE(lstm, nullptr);
  model->eval();
  NoGradGuard no_grad;
  nn::LSTMState state;
  const auto step = [&](int64_t id) {
    const Tensor x = (*model)[0]->forward(full({1, 1}, static_cast<double>(id), {.dtype = kInt64}));
    nn::LSTMOutput out = lstm->forward(x, state);
    state = out.state;
    return (*model)[2]->forward(out.output).reshape({vocab});
  };
  Generator gen(3);
  const auto ids =
      text::generate_tokens(step, tok.encode("Call me"), 60, {.temperature = 0.8, .top_k = 10}, gen);
  EXPECT_EQ(ids.size(), 60u);
  std::printf("sample: Call me%s\n", tok.decode(ids).c_str());
}

}  // namespace
}  // namespace strata
