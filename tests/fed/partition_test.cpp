#include "strata/fed/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_util.h"

namespace strata::fed {
namespace {

// 10 classes, 100 examples each, interleaved.
Tensor ten_classes(int64_t per_class = 100) {
  std::vector<int64_t> y;
  for (int64_t i = 0; i < 10 * per_class; ++i) y.push_back(i % 10);
  return from_vector(y, {static_cast<int64_t>(y.size())});
}

void expect_disjoint_cover(const Partition& p, int64_t n) {
  std::vector<int> seen(static_cast<size_t>(n), 0);
  for (const auto& part : p)
    for (int64_t i : part) ++seen.at(static_cast<size_t>(i));
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
}

TEST(Partition, IidSplitsEvenlyAndCoversEveryExample) {
  const Partition p = partition_iid(1003, 10, 7);
  ASSERT_EQ(p.size(), 10u);
  for (size_t k = 0; k < p.size(); ++k) EXPECT_EQ(p[k].size(), k < 3 ? 101u : 100u);
  expect_disjoint_cover(p, 1003);
  EXPECT_EQ(partition_iid(1003, 10, 7), p);
  EXPECT_NE(partition_iid(1003, 10, 8), p);
}

TEST(Partition, DirichletSkewGrowsAsAlphaShrinks) {
  const Tensor y = ten_classes();
  // The mean share of each client's most common label: 1/10-ish for IID, near 1 for alpha -> 0.
  auto top_share = [&](const Partition& p) {
    double total = 0;
    for (const auto& counts : label_counts(p, y, 10)) {
      int64_t n = 0;
      for (int64_t c : counts) n += c;
      total += static_cast<double>(*std::max_element(counts.begin(), counts.end())) / static_cast<double>(n);
    }
    return total / static_cast<double>(p.size());
  };
  const Partition wide = partition_dirichlet(y, 10, 100.0, 1), skewed = partition_dirichlet(y, 10, 0.1, 1);
  expect_disjoint_cover(wide, 1000);
  expect_disjoint_cover(skewed, 1000);
  EXPECT_LT(top_share(wide), 0.25);
  EXPECT_GT(top_share(skewed), 0.45);
  for (const auto& part : skewed) EXPECT_GE(part.size(), 10u);
  EXPECT_EQ(partition_dirichlet(y, 10, 0.1, 1), skewed);
}

TEST(Partition, ShardsGiveEachClientFewLabels) {
  const Tensor y = ten_classes();
  const Partition p = partition_shards(y, 20, 2, 3);  // 40 shards of 25 sorted examples
  expect_disjoint_cover(p, 1000);
  for (const auto& counts : label_counts(p, y, 10)) {
    int labels = 0, n = 0;
    for (int64_t c : counts) {
      labels += c > 0;
      n += static_cast<int>(c);
    }
    EXPECT_EQ(n, 50);
    EXPECT_LE(labels, 2);
  }
}

TEST(Partition, BadArgumentsAreNamed) {
  const Tensor y = ten_classes(2);
  EXPECT_ERROR_CONTAINS(partition_iid(5, 10, 0), "partition_iid", "5 examples", "10 clients");
  EXPECT_ERROR_CONTAINS(partition_dirichlet(y, 4, 0.0, 0), "alpha must be positive");
  EXPECT_ERROR_CONTAINS(partition_dirichlet(y.to(kFloat32), 4, 1.0, 0), "i64");
  EXPECT_ERROR_CONTAINS(partition_dirichlet(y, 5, 0.01, 0, 4), "no draw");
  EXPECT_ERROR_CONTAINS(partition_shards(y, 4, 0, 0), "shards_per_client");
}

}  // namespace
}  // namespace strata::fed
