#include "strata/data/dataset.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "data_test_util.h"

namespace strata::data {
namespace {

using testing::IndexDataset;

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(TensorDataset, RowsAreViewsOfTheTensors) {
  Tensor x = arange(12).reshape({4, 3});
  Tensor y = arange(4, {.dtype = kInt64});
  TensorDataset ds(x, y);
  EXPECT_EQ(ds.size(), 4);
  Example e = ds.get(2);
  EXPECT_EQ(e.input.shape(), (Shape{3}));
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{6, 7, 8}));
  EXPECT_EQ(e.target.shape(), (Shape{}));
  EXPECT_EQ(e.target.item<int64_t>(), 2);
  EXPECT_EQ(&e.input.storage(), &x.storage());  // a view, not a copy
  EXPECT_FALSE(e.input.requires_grad());
}

TEST(TensorDataset, NonContiguousInputsGiveStridedRows) {
  Tensor x = arange(6).reshape({2, 3}).t();  // [3, 2], rows are strided
  TensorDataset ds(x, arange(3, {.dtype = kInt64}));
  EXPECT_EQ(ds.get(1).input.to_vector<float>(), (std::vector<float>{1, 4}));
  EXPECT_EQ(ds.get(2).input.to_vector<float>(), (std::vector<float>{2, 5}));
}

TEST(TensorDataset, UndefinedTargetsGiveUnlabelledExamples) {
  TensorDataset ds(zeros({3, 2}), Tensor());
  EXPECT_EQ(ds.size(), 3);
  EXPECT_FALSE(ds.get(0).target.defined());
}

TEST(TensorDataset, ChecksSizesAndIndices) {
  EXPECT_ERROR_CONTAINS(TensorDataset(zeros({4, 3}), zeros({5})), "TensorDataset", "[4, 3]", "[5]",
                        "first dim");
  EXPECT_ERROR_CONTAINS(TensorDataset(scalar_tensor(1.0), zeros({1})), "TensorDataset", "0-dim");
  EXPECT_ERROR_CONTAINS(TensorDataset(Tensor(), zeros({1})), "TensorDataset", "undefined");
  TensorDataset ds(zeros({4, 3}), zeros({4}));
  EXPECT_ERROR_CONTAINS(ds.get(4), "TensorDataset", "index 4", "size 4");
  EXPECT_ERROR_CONTAINS(ds.get(-1), "index -1");
}

TEST(Subset, MapsIndices) {
  auto base = std::make_shared<IndexDataset>(10);
  Subset sub(base, {7, 2, 2, 9});
  EXPECT_EQ(sub.size(), 4);
  EXPECT_EQ(sub.get(0).target.item<int64_t>(), 7);
  EXPECT_EQ(sub.get(2).target.item<int64_t>(), 2);
  EXPECT_EQ(sub.get(3).input.to_vector<float>(), (std::vector<float>{9, -9}));
  EXPECT_ERROR_CONTAINS(sub.get(4), "Subset", "index 4", "size 4");
  EXPECT_ERROR_CONTAINS(Subset(base, {1, 10}), "Subset", "index 10", "position 1", "size 10");
  EXPECT_ERROR_CONTAINS(Subset(nullptr, {}), "Subset", "null");
}

TEST(TransformDataset, TransformsInputsOnly) {
  auto base = std::make_shared<IndexDataset>(5);
  TransformDataset ds(base, [](const Tensor& x) { return x * 2.0; });
  EXPECT_EQ(ds.size(), 5);
  Example e = ds.get(3);
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{6, -6}));
  EXPECT_EQ(e.target.item<int64_t>(), 3);
  EXPECT_ERROR_CONTAINS(ds.get(5), "TransformDataset", "index 5", "size 5");
  EXPECT_ERROR_CONTAINS(TransformDataset(base, nullptr), "TransformDataset", "transform is empty");
}

TEST(RandomSplit, LengthsGiveDisjointSubsetsCoveringTheDataset) {
  auto base = std::make_shared<IndexDataset>(100);
  auto parts = random_split(base, std::vector<int64_t>{60, 30, 10}, 7);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->size(), 60);
  EXPECT_EQ(parts[1]->size(), 30);
  EXPECT_EQ(parts[2]->size(), 10);
  std::vector<int64_t> all;
  for (const auto& p : parts) all.insert(all.end(), p->indices().begin(), p->indices().end());
  std::vector<int64_t> expected(100);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted(all), expected);
  EXPECT_NE(all, expected);  // shuffled
  EXPECT_EQ(parts[1]->get(0).target.item<int64_t>(), parts[1]->indices()[0]);
}

TEST(RandomSplit, DependsOnTheSeedOnly) {
  auto base = std::make_shared<IndexDataset>(50);
  manual_seed(1);
  const Tensor before = rand({4});
  manual_seed(1);
  auto a = random_split(base, std::vector<int64_t>{25, 25}, 3);
  const Tensor after = rand({4});
  EXPECT_TRUE(equal(before, after));  // the global generator is untouched
  manual_seed(99);
  auto b = random_split(base, std::vector<int64_t>{25, 25}, 3);
  EXPECT_EQ(a[0]->indices(), b[0]->indices());
  auto c = random_split(base, std::vector<int64_t>{25, 25}, 4);
  EXPECT_NE(a[0]->indices(), c[0]->indices());
}

TEST(RandomSplit, FractionsDistributeTheRemainderToTheFirstSubsets) {
  auto base = std::make_shared<IndexDataset>(10);
  auto parts = random_split(base, std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}, 0);
  EXPECT_EQ(parts[0]->size(), 4);
  EXPECT_EQ(parts[1]->size(), 3);
  EXPECT_EQ(parts[2]->size(), 3);
  auto halves = random_split(base, std::vector<double>{0.8, 0.2}, 0);
  EXPECT_EQ(halves[0]->size(), 8);
  EXPECT_EQ(halves[1]->size(), 2);
  // Same seed and lengths: the fraction form is the length form.
  EXPECT_EQ(halves[0]->indices(), random_split(base, std::vector<int64_t>{8, 2}, 0)[0]->indices());
}

TEST(RandomSplit, RejectsBadLengthsAndFractions) {
  auto base = std::make_shared<IndexDataset>(10);
  EXPECT_ERROR_CONTAINS(random_split(base, std::vector<int64_t>{3, 4}, 0), "random_split", "[3, 4]",
                        "add up to 7", "10 examples");
  EXPECT_ERROR_CONTAINS(random_split(base, std::vector<int64_t>{12, -2}, 0), "random_split", "negative");
  EXPECT_ERROR_CONTAINS(random_split(base, std::vector<double>{0.5, 0.4}, 0), "random_split",
                        "add up to 0.9");
  EXPECT_ERROR_CONTAINS(random_split(base, std::vector<double>{1.5, -0.5}, 0), "random_split",
                        "outside [0, 1]");
  EXPECT_ERROR_CONTAINS(random_split(base, std::vector<int64_t>{}, 0), "random_split", "no lengths");
}

}  // namespace
}  // namespace strata::data
