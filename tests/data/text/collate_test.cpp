#include "strata/data/text/collate.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

Example seq(std::vector<int64_t> ids, int64_t label) {
  const auto n = static_cast<int64_t>(ids.size());
  return {from_vector(ids, Shape{n}), scalar_tensor(static_cast<double>(label), {.dtype = kInt64})};
}

TEST(PadSequences, PadsToTheLongestAndReportsLengths) {
  const PaddedBatch b = pad_sequences({seq({5, 6, 7}, 1), seq({8}, 0), seq({}, 1)}, {.pad_id = 0});
  EXPECT_EQ(b.input.shape(), (Shape{3, 3}));
  EXPECT_EQ(b.input.to_vector<int64_t>(), (std::vector<int64_t>{5, 6, 7, 8, 0, 0, 0, 0, 0}));
  EXPECT_EQ(b.lengths.to_vector<int64_t>(), (std::vector<int64_t>{3, 1, 1}));  // empty -> one pad step
  EXPECT_EQ(b.lengths.dtype(), kInt64);
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
}

TEST(PadSequences, MaxLengthAndTimeMajor) {
  const PaddedBatch b = pad_sequences({seq({1, 2, 3, 4}, 0), seq({5, 6}, 1)},
                                      {.pad_id = 9, .max_length = 3, .batch_first = false});
  EXPECT_EQ(b.input.shape(), (Shape{3, 2}));
  EXPECT_EQ(b.input.to_vector<int64_t>(), (std::vector<int64_t>{1, 5, 2, 6, 3, 9}));
  EXPECT_EQ(b.lengths.to_vector<int64_t>(), (std::vector<int64_t>{3, 2}));
}

TEST(PadCollate, LengthsRecoverableFromPadding) {
  const Collate collate = pad_collate({.pad_id = 0});
  const Batch b = collate({seq({3, 4}, 0), seq({3, 4, 5, 6}, 1)});
  EXPECT_EQ(b.input.shape(), (Shape{2, 4}));
  EXPECT_EQ(sequence_lengths(b.input, 0).to_vector<int64_t>(), (std::vector<int64_t>{2, 4}));
}

TEST(PadSequences, Errors) {
  EXPECT_ERROR_CONTAINS(pad_sequences({}), "pad_sequences", "no examples");
  EXPECT_ERROR_CONTAINS(pad_sequences({seq({1}, 0), Example{zeros({2, 2}), scalar_tensor(0)}}),
                        "pad_sequences", "example 1", "[2, 2]");
  EXPECT_ERROR_CONTAINS(sequence_lengths(zeros({3}), 0), "sequence_lengths", "[3]");
}

}  // namespace
}  // namespace strata::data::text
