// The generic classification subsets of load_training_data: data.classes keeps and renumbers labels,
// data.per_class keeps the first N training examples of each class, on in-memory and on augmented
// (read-through) sources; and their errors.
#include "training_data.h"

#include <gtest/gtest.h>

#include "cli/cli_util.h"
#include "strata/data/mnist.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

std::vector<int64_t> labels(const data::Dataset& ds) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < ds.size(); ++i) out.push_back(ds.get(i).target.contiguous().data_ptr<int64_t>()[0]);
  return out;
}

class TrainingDataSubset : public CliFixture {
 protected:
  cli::Config config(const std::string& extra) const {
    // These tests count training examples: no validation share unless a test sets data.val_fraction.
    const std::string all_training =
        extra.find("val_fraction") == std::string::npos ? "  val_fraction: 0\n" : "";
    write("c.yaml", "data:\n  limit: 1000\n  test_limit: 500\n" + all_training + extra +
                        "model:\n  layers:\n    - flatten\n    - linear: {in: 784, out: 2}\n");
    return cli::load_config((dir_ / "c.yaml").string());
  }
};

TEST_F(TrainingDataSubset, ClassesAreKeptAndRenumberedInTheListedOrder) {
  const cli::TrainingData d = cli::load_training_data(config("  classes: [7, 5]\n  per_class: 3\n"));
  EXPECT_EQ(d.classes, (std::vector<std::string>{"Sneaker", "Sandal"}));
  // per_class: the first 3 sneakers and the first 3 sandals of the (limited) training split, in order.
  const data::FashionMNIST raw(true);
  const std::vector<int64_t> raw_labels = raw.targets().narrow(0, 0, 1000).contiguous().to_vector<int64_t>();
  std::vector<int64_t> want_labels, want_rows;
  int seen7 = 0, seen5 = 0;
  for (size_t i = 0; i < raw_labels.size(); ++i) {
    if ((raw_labels[i] == 7 && seen7++ < 3) || (raw_labels[i] == 5 && seen5++ < 3)) {
      want_labels.push_back(raw_labels[i] == 7 ? 0 : 1);
      want_rows.push_back(static_cast<int64_t>(i));
    }
  }
  EXPECT_EQ(labels(*d.train), want_labels);
  // The images are the kept rows (normalised as the source does).
  const Tensor first = d.train->get(0).input;
  const Tensor raw_first = (raw.inputs().select(0, want_rows[0]) - 0.2860) / 0.3530;
  EXPECT_TRUE(allclose(first, raw_first, 1e-5, 1e-5));
  // The test split keeps every example of the two classes.
  const std::vector<int64_t> test = labels(*d.test);
  EXPECT_GT(test.size(), 50u);
  for (int64_t l : test) EXPECT_TRUE(l == 0 || l == 1) << l;
}

TEST_F(TrainingDataSubset, PerClassAloneAndIndependentOfTheSeed) {
  const cli::TrainingData a = cli::load_training_data(config("  per_class: 4\ntraining:\n  seed: 1\n"));
  const cli::TrainingData b = cli::load_training_data(config("  per_class: 4\ntraining:\n  seed: 2\n"));
  EXPECT_EQ(a.train->size(), 40);
  EXPECT_EQ(labels(*a.train), labels(*b.train));
  EXPECT_EQ(a.classes.size(), 10u);
  EXPECT_EQ(a.test->size(), 500);
}

TEST_F(TrainingDataSubset, AugmentedSourcesAreReadThrough) {
  const cli::TrainingData d = cli::load_training_data(
      config("  classes: [9, 8]\n  per_class: 2\n  augment:\n    - random_horizontal_flip: {p: 1}\n"));
  EXPECT_EQ(d.train->size(), 4);
  EXPECT_EQ(labels(*d.train).size(), 4u);
  for (int64_t l : labels(*d.train)) EXPECT_TRUE(l == 0 || l == 1) << l;
  EXPECT_EQ(d.train->get(0).input.shape(), (Shape{1, 28, 28}));
}

TEST_F(TrainingDataSubset, ValidationSplitComesFromTheSubset) {
  const cli::TrainingData d =
      cli::load_training_data(config("  classes: [0, 1]\n  per_class: 10\n  val_fraction: 0.25\n"));
  EXPECT_EQ(d.train->size() + d.val->size(), 20);
  for (int64_t l : labels(*d.val)) EXPECT_TRUE(l == 0 || l == 1) << l;
}

TEST_F(TrainingDataSubset, RegressionTargetsAreRefused) {
  write("t.csv", "x,y\n1,0.5\n2,1.5\n3,2.5\n4,3.5\n5,4.5\n6,5.5\n7,6.5\n8,7.5\n9,8.5\n10,9.5\n");
  write("c.yaml", "data:\n  dataset: table\n  table: {path: " + (dir_ / "t.csv").string() +
                      ", target: y, task: regression}\n  classes: [0]\n"
                      "model:\n  layers:\n    - linear: {in: 1, out: 1}\n");
  try {
    cli::load_training_data(cli::load_config((dir_ / "c.yaml").string()));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("c.yaml:4: data.classes applies to classification data"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace strata::cli_test
