// End to end: on Zachary's karate club a two-layer GCN labels at least 90% of the members with their
// faction from two labelled nodes (the leaders), full batch and in neighbour-sampled mini-batches.
#include "strata/data/graph/datasets.h"
#include "strata/models/gnn.h"
#include "strata/train/node_classification.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(NodeClassificationE2E, KarateGCNFromTwoLabels) {
  manual_seed(0);
  const auto g = data::graph::karate_club();
  models::GNN gcn(34, 2, {.conv = "gcn", .hidden_channels = 16, .dropout = 0.5});
  const auto r = train::fit_node_classification(*gcn.ptr(), g, {.epochs = 100, .select_on_val = false});
  const auto& last = r.history.back();
  EXPECT_GE(last.test_accuracy, 0.9) << "test accuracy " << last.test_accuracy;
  EXPECT_EQ(last.train_accuracy, 1.0);
  EXPECT_LT(last.loss, r.history.front().loss);
}

TEST(NodeClassificationE2E, KarateGCNInSampledBatches) {
  manual_seed(1);
  const auto g = data::graph::karate_club();
  models::GNN gcn(34, 2, {.conv = "gcn", .hidden_channels = 16, .dropout = 0.5});
  const auto r = train::fit_node_classification(
      *gcn.ptr(), g, {.epochs = 100, .fanouts = {10, 10}, .batch_size = 1, .select_on_val = false});
  EXPECT_GE(r.history.back().test_accuracy, 0.8) << r.history.back().test_accuracy;
}

TEST(NodeClassificationE2E, MaskedAccuracyAndBadGraph) {
  const Tensor logits = from_vector<float>({1, 0, 0, 1, 1, 0}, {3, 2});
  const Tensor y = from_vector<int64_t>({0, 0, 0});
  EXPECT_DOUBLE_EQ(train::masked_accuracy(logits, y, from_vector<uint8_t>({1, 1, 0})), 0.5);
  EXPECT_DOUBLE_EQ(train::masked_accuracy(logits, y, from_vector<uint8_t>({0, 0, 0})), 0.0);
  auto g = data::graph::karate_club();
  g.train_mask = zeros({34}, {.dtype = kUInt8});
  models::GNN m(34, 2);
  EXPECT_ERROR_CONTAINS(train::fit_node_classification(*m.ptr(), g), "train_mask selects no node");
}

}  // namespace
}  // namespace strata
