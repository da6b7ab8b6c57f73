// The padding-aware sequence layers (src/nn/masked_sequence.cpp) of config-built text models:
// padding after each sequence's end never reaches the recurrent outputs, the final states or the pools
// over time, and a batch that does not line up with its lengths is refused.
#include "strata/nn/masked_sequence.h"

#include <gmock/gmock.h>

#include "strata/nn.h"
#include "strata/strata.h"

namespace strata::nn {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kPad = 0;

// Two token sequences, the second padded: [[5, 3, 7, 2, 9], [4, 8, 0, 0, 0]].
Tensor padded_tokens() {
  return from_vector(std::vector<int64_t>{5, 3, 7, 2, 9, 4, 8, 0, 0, 0}).reshape({2, 5});
}
Tensor short_tokens() { return from_vector(std::vector<int64_t>{4, 8}).reshape({1, 2}); }

// Max |a - b| over all elements.
double max_diff(const Tensor& a, const Tensor& b) { return (a - b).abs().max().item(); }

class SequenceLayers : public ::testing::Test {
 protected:
  void SetUp() override { manual_seed(3); }
  SequenceMaskPtr mask = std::make_shared<SequenceMask>();
  std::shared_ptr<MaskingEmbeddingImpl> embedding = std::make_shared<MaskingEmbeddingImpl>(10, 4, kPad, mask);
};

TEST_F(SequenceLayers, EmbeddingWithPaddingRecordsLengths) {
  embedding->forward(padded_tokens());
  ASSERT_TRUE(mask->lengths.defined());
  EXPECT_EQ(mask->lengths.to_vector<int64_t>(), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(mask->steps, 5);
  auto plain = std::make_shared<MaskingEmbeddingImpl>(10, 4, std::nullopt, mask);
  plain->forward(padded_tokens());
  EXPECT_FALSE(mask->lengths.defined());  // without padding_idx every step is real
}

TEST_F(SequenceLayers, BidirectionalGruIgnoresPadding) {
  for (bool return_sequences : {true, false}) {
    auto gru = std::make_shared<MaskedGRUImpl>(
        4, 3, nn::GRUOptions{.num_layers = 2, .batch_first = true, .bidirectional = true}, return_sequences,
        mask);
    const Tensor padded = gru->forward(embedding->forward(padded_tokens()));
    const Tensor alone = gru->forward(embedding->forward(short_tokens()));
    if (return_sequences) {
      ASSERT_EQ(padded.shape(), (Shape{2, 5, 6}));
      // The short sequence's real steps match running it alone (the reverse direction starts at its own
      // end), and its outputs past the end are zero.
      EXPECT_LT(max_diff(padded.narrow(0, 1, 1).narrow(1, 0, 2), alone), 1e-5);
      EXPECT_EQ(padded.narrow(0, 1, 1).narrow(1, 2, 3).abs().max().item(), 0.0);
    } else {
      ASSERT_EQ(padded.shape(), (Shape{2, 6}));  // forward and reverse final states of the last layer
      EXPECT_LT(max_diff(padded.narrow(0, 1, 1), alone), 1e-5);
    }
  }
}

TEST_F(SequenceLayers, LstmAndRnnFinalStatesIgnorePadding) {
  auto lstm = std::make_shared<MaskedLSTMImpl>(4, 3, nn::LSTMOptions{.batch_first = true}, false, mask);
  auto rnn = std::make_shared<MaskedRNNImpl>(4, 3, nn::RNNOptions{.batch_first = true}, false, mask);
  for (const std::shared_ptr<nn::Module>& layer : std::vector<std::shared_ptr<nn::Module>>{lstm, rnn}) {
    const Tensor padded = layer->forward(embedding->forward(padded_tokens()));
    const Tensor alone = layer->forward(embedding->forward(short_tokens()));
    ASSERT_EQ(padded.shape(), (Shape{2, 3}));
    EXPECT_LT(max_diff(padded.narrow(0, 1, 1), alone), 1e-5) << layer->type_name();
  }
}

TEST_F(SequenceLayers, PoolsOverTimeUseOnlyRealSteps) {
  for (auto kind : {GlobalPool1dImpl::Kind::Avg, GlobalPool1dImpl::Kind::Max}) {
    GlobalPool1dImpl pool(kind, mask);
    // Straight after the embedding: padded steps hold the (trainable) padding row, here made large so
    // that a pool reading it would show.
    {
      NoGradGuard no_grad;
      embedding->weight.select(0, kPad).fill_(100.0);
    }
    const Tensor x = embedding->forward(padded_tokens()).detach().requires_grad_(true);
    const Tensor padded = pool.forward(x);
    const Tensor alone = pool.forward(embedding->forward(short_tokens()));
    ASSERT_EQ(padded.shape(), (Shape{2, 4}));
    EXPECT_LT(max_diff(padded.narrow(0, 1, 1), alone), 1e-5);
    // No gradient reaches the padded steps.
    padded.sum().backward();
    EXPECT_EQ(x.grad().narrow(0, 1, 1).narrow(1, 2, 3).abs().max().item(), 0.0);
    EXPECT_GT(x.grad().narrow(0, 1, 1).narrow(1, 0, 2).abs().max().item(), 0.0);
  }
}

TEST_F(SequenceLayers, PoolsWithoutPaddingReduceEveryStep) {
  mask->lengths = Tensor();
  const Tensor x = randn({2, 5, 3});
  EXPECT_LT(max_diff(GlobalPool1dImpl(GlobalPool1dImpl::Kind::Avg, mask).forward(x), x.mean(Shape{1})), 1e-6);
  EXPECT_LT(max_diff(GlobalPool1dImpl(GlobalPool1dImpl::Kind::Max, mask).forward(x), ops::amax(x, Shape{1})),
            1e-6);
}

TEST_F(SequenceLayers, MisalignedInputIsRefused) {
  embedding->forward(padded_tokens());
  auto lstm = std::make_shared<MaskedLSTMImpl>(4, 3, nn::LSTMOptions{.batch_first = true}, true, mask);
  GlobalPool1dImpl pool(GlobalPool1dImpl::Kind::Avg, mask);
  try {
    lstm->forward(randn({2, 4, 4}));  // 4 steps, but the token batch had 5
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("LSTM: input of shape [2, 4, 4] does not line up with the padded token "
                                    "batch [2, 5]"));
  }
  try {
    pool.forward(randn({2, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("global_avg_pool1d: expected input [batch, steps, features]"));
  }
}

}  // namespace
}  // namespace strata::nn
