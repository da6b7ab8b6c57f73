#include "strata/data/text/translation_dataset.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace strata::data::text {
namespace {

// Each byte of the text as an id offset by 10.
std::vector<int64_t> bytes(std::string_view s) {
  std::vector<int64_t> ids;
  for (const char c : s) ids.push_back(10 + static_cast<unsigned char>(c) - 'a');
  return ids;
}

TEST(TranslationDataset, ExamplesShiftTheTargetAndEndInEos) {
  const TranslationDataset d({{"ab", "xyz"}, {"abcd", "x"}}, bytes, {.pad_id = 0, .bos_id = 1, .eos_id = 2});
  ASSERT_EQ(d.size(), 2);
  const Example e = d.get(0);  // source a b <eos>; target x y z <eos>: L = 4
  EXPECT_EQ(e.input.shape(), (Shape{2, 4}));
  EXPECT_EQ(e.input.to_vector<int64_t>(), (std::vector<int64_t>{10, 11, 2, 0, 1, 33, 34, 35}));
  EXPECT_EQ(e.target.to_vector<int64_t>(), (std::vector<int64_t>{33, 34, 35, 2}));
  const Example f = d.get(1);  // source a b c d <eos>; target x <eos>: L = 5
  EXPECT_EQ(f.input.to_vector<int64_t>(), (std::vector<int64_t>{10, 11, 12, 13, 2, 1, 33, 0, 0, 0}));
  EXPECT_EQ(f.target.to_vector<int64_t>(), (std::vector<int64_t>{33, 2, 0, 0, 0}));
  EXPECT_EQ(d.source_ids(1), (std::vector<int64_t>{10, 11, 12, 13, 2}));

  const Batch b = translation_collate(0)({e, f});
  EXPECT_EQ(b.input.shape(), (Shape{2, 2, 5}));
  EXPECT_EQ(b.target.shape(), (Shape{10}));
  EXPECT_EQ(b.input.to_vector<int64_t>(),
            (std::vector<int64_t>{10, 11, 2, 0, 0, 1, 33, 34, 35, 0, 10, 11, 12, 13, 2, 1, 33, 0, 0, 0}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{33, 34, 35, 2, 0, 33, 2, 0, 0, 0}));
}

TEST(TranslationDataset, MaxLengthKeepsEos) {
  const TranslationDataset d({{"abcdef", "xyz"}}, bytes, {.max_length = 3});
  EXPECT_EQ(d.source_ids(0), (std::vector<int64_t>{10, 11, 2}));
  EXPECT_EQ(d.get(0).target.to_vector<int64_t>(), (std::vector<int64_t>{33, 34, 2}));
}

TEST(TranslationDataset, PadSources) {
  const Tensor s = pad_sources({{5, 2}, {7, 8, 2}}, 0);
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(s.to_vector<int64_t>(), (std::vector<int64_t>{5, 2, 0, 7, 8, 2}));
}

TEST(TranslationDataset, BadInputIsNamed) {
  EXPECT_ERROR_CONTAINS(TranslationDataset({}, bytes, {.max_length = 1}), "TranslationDataset", "max_length");
  EXPECT_ERROR_CONTAINS(TranslationDataset({}, bytes, {.pad_id = 1, .bos_id = 1}), "must differ");
  const TranslationDataset d({{"a", "b"}}, bytes, {});
  EXPECT_ERROR_CONTAINS(d.get(3), "index 3", "1 pairs");
  EXPECT_ERROR_CONTAINS(
      translation_collate(0)({Example{zeros(Shape{3}, {.dtype = kInt64}), zeros(Shape{3})}}),
      "translation_collate", "example 0", "[2, L]");
  EXPECT_ERROR_CONTAINS(pad_sources({}, 0), "pad_sources");
}

}  // namespace
}  // namespace strata::data::text
