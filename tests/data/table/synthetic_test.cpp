#include "strata/data/table/synthetic.h"

#include <cmath>
#include <map>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

// 20 rows of class "big" around (0, 0) and 5 of class "small" around (10, 10); an int and a text column.
Table imbalanced() {
  std::vector<double> u, v;
  std::vector<int64_t> k;
  std::vector<std::string> label, tag;
  for (int i = 0; i < 20; ++i) {
    u.push_back(std::sin(i) * 2);
    v.push_back(std::cos(i) * 2);
    k.push_back(i % 3);
    label.push_back("big");
    tag.push_back("b");
  }
  for (int i = 0; i < 5; ++i) {
    u.push_back(10 + i);
    v.push_back(10 - i * 0.5);
    k.push_back(100 + 10 * i);
    label.push_back("small");
    tag.push_back(i % 2 ? "odd" : "even");
  }
  return Table({Column::from_floats("u", u), Column::from_floats("v", v), Column::from_ints("k", k),
                Column::from_categories("label", label), Column::from_strings("tag", tag)});
}

std::map<std::string, int64_t> class_counts(const Table& t) {
  std::map<std::string, int64_t> c;
  for (int64_t i = 0; i < t.num_rows(); ++i) ++c[t["label"].str(i)];
  return c;
}

TEST(SmoteTest, BalancesClassesWithPointsOnSameClassSegments) {
  Table t = imbalanced();
  const Table original = t;
  StepReport r = smote(t, {.target = "label", .k = 2, .seed = 4});
  EXPECT_EQ(class_counts(t), (std::map<std::string, int64_t>{{"big", 20}, {"small", 20}}));
  EXPECT_EQ(r.rows_before, 25);
  EXPECT_EQ(r.rows_after, 40);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes[0].count, 15);
  EXPECT_TRUE(t.take({0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                      13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}) == original);
  for (int64_t i = 25; i < 40; ++i) {
    EXPECT_EQ(t["label"].str(i), "small");
    // On the segment between two members of the class: u = 10 + a + g (b - a), v = 10 - 0.5 (a + g (b - a)),
    // so v = 10 - 0.5 (u - 10) exactly for every point of such a segment.
    const double u = t["u"].number(i), v = t["v"].number(i);
    EXPECT_NEAR(v, 10 - 0.5 * (u - 10), 1e-9) << i;
    EXPECT_GE(u, 10);
    EXPECT_LE(u, 14);
    // The int feature is interpolated and rounded; text comes from one endpoint.
    const int64_t k = t["k"].int_at(i);
    EXPECT_GE(k, 100);
    EXPECT_LE(k, 140);
    EXPECT_TRUE(t["tag"].str(i) == "odd" || t["tag"].str(i) == "even");
  }
  // Seeded: the same rows again; another seed gives others.
  Table again = imbalanced();
  smote(again, {.target = "label", .k = 2, .seed = 4});
  EXPECT_TRUE(again == t);
  Table other = imbalanced();
  smote(other, {.target = "label", .k = 2, .seed = 5});
  EXPECT_FALSE(other == t);
}

TEST(SmoteTest, NeighboursComeFromTheKNearest) {
  // Class "m" is two tight pairs, {0, 1} and {50, 51}: with k = 1 each point's only neighbour is its partner,
  // so no synthetic point falls between the pairs; with k = 3 some do.
  auto make = [] {
    std::vector<double> x = {0, 1, 50, 51};
    std::vector<std::string> y = {"m", "m", "m", "m"};
    for (int i = 0; i < 20; ++i) {
      x.push_back(200 + i);
      y.push_back("n");
    }
    return Table({Column::from_floats("x", x), Column::from_categories("y", y)});
  };
  Table t = make();
  smote(t, {.target = "y", .k = 1, .seed = 1});
  ASSERT_EQ(t.num_rows(), 40);
  for (int64_t i = 24; i < t.num_rows(); ++i) {
    const double x = t["x"].number(i);
    EXPECT_TRUE((x >= 0 && x <= 1) || (x >= 50 && x <= 51)) << x;
  }
  Table wide = make();
  smote(wide, {.target = "y", .k = 3, .seed = 1});
  int64_t between = 0;
  for (int64_t i = 24; i < wide.num_rows(); ++i)
    between += wide["x"].number(i) > 1 && wide["x"].number(i) < 50;
  EXPECT_GT(between, 0);
}

TEST(SmoteTest, CountsAndErrors) {
  Table t = imbalanced();
  StepReport r = smote(t, {.target = "label", .counts = {{"small", 8}}});
  EXPECT_EQ(class_counts(t).at("small"), 8);
  EXPECT_EQ(class_counts(t).at("big"), 20);
  EXPECT_EQ(r.changes[0].count, 3);
  Table u = imbalanced();
  EXPECT_ERROR_CONTAINS(smote(u, {}), "smote: no target column given");
  EXPECT_ERROR_CONTAINS(smote(u, {.target = "zz"}), "smote: no target column 'zz'");
  EXPECT_ERROR_CONTAINS(smote(u, {.target = "label", .counts = {{"huge", 3}}}),
                        "class 'huge' does not occur");
  EXPECT_ERROR_CONTAINS(smote(u, {.target = "label", .features = {"tag"}}), "feature 'tag' is string");
  Table one({Column::from_floats("x", {1, 2, 3}), Column::from_categories("y", {"a", "a", "b"})});
  EXPECT_ERROR_CONTAINS(smote(one, {.target = "y"}), "class 'b' has 1 row", "at least 2");
  Table gap({Column::from_floats("x", {1, NAN, 3, 4}), Column::from_categories("y", {"a", "a", "b", "b"})});
  EXPECT_ERROR_CONTAINS(smote(gap, {.target = "y"}), "feature 'x' has 1 missing");
  Table balanced({Column::from_floats("x", {1, 2}), Column::from_categories("y", {"a", "b"})});
  EXPECT_FALSE(smote(balanced, {.target = "y"}).notes.empty());
}

TEST(JitterTest, AppendsNoisyCopies) {
  Table t({Column::from_floats("x", {1, 2, 3, 4, NAN}), Column::from_ints("n", {1, 2, 3, 4, 5}),
           Column::from_categories("c", {"a", "b", "a", "b", "a"})});
  const Table original = t;
  StepReport r = jitter(t, {.sigma = 0.1, .copies = 2, .seed = 9});
  EXPECT_EQ(t.num_rows(), 15);
  EXPECT_EQ(r.rows_after, 15);
  EXPECT_TRUE(t.head(5) == original);
  const double sd = std::sqrt(1.25);
  for (int64_t i = 5; i < 15; ++i) {
    const int64_t src = i % 5;
    EXPECT_EQ(t["n"].int_at(i), original["n"].int_at(src));  // only float columns move
    EXPECT_EQ(t["c"].str(i), original["c"].str(src));
    if (src == 4) {
      EXPECT_TRUE(t["x"].is_missing(i));
      continue;
    }
    const double d = t["x"].number(i) - original["x"].number(src);
    EXPECT_NE(d, 0.0);
    EXPECT_LT(std::abs(d), 6 * 0.1 * sd);
  }
  Table again = original;
  jitter(again, {.sigma = 0.1, .copies = 2, .seed = 9});
  EXPECT_TRUE(again == t);
  EXPECT_ERROR_CONTAINS(jitter(again, {.columns = {"n"}}), "jitter: column 'n' is int");
  EXPECT_ERROR_CONTAINS(jitter(again, {.copies = 0}), "copies must be at least 1");
  EXPECT_ERROR_CONTAINS(jitter(again, {.sigma = -1}), "sigma must be >= 0");
}

TEST(JitterTest, NoiseHasTheRequestedSpread) {
  std::vector<double> x(2000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i % 2);  // std 0.5
  Table t({Column::from_floats("x", x)});
  jitter(t, {.sigma = 0.2, .seed = 1});
  double s = 0, ss = 0;
  for (int64_t i = 2000; i < 4000; ++i) {
    const double d = t["x"].number(i) - x[static_cast<size_t>(i - 2000)];
    s += d;
    ss += d * d;
  }
  const double mean = s / 2000, sd = std::sqrt(ss / 2000 - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(sd, 0.1, 0.01);
}

}  // namespace
}  // namespace strata::data::table
