// Pruners: median stopping, asynchronous successive halving, Hyperband brackets, and the factory.
#include "strata/tune/pruner.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "strata/core/error.h"

namespace strata::tune {
namespace {

TEST(MedianPruner, StopsTrialsWorseThanTheMedianAfterStartup) {
  MedianPruner p({.startup_trials = 3, .warmup_steps = 2});
  // Three trials with losses 1, 2, 3 at every step.
  for (int64_t t = 0; t < 3; ++t) {
    for (int step = 1; step <= 4; ++step) EXPECT_FALSE(p.report(t, step, 1.0 + static_cast<double>(t)));
  }
  // A bad trial survives the warm-up step, then stops (its best, 5, is above the median 2).
  EXPECT_FALSE(p.report(3, 1, 5.0));
  EXPECT_TRUE(p.report(3, 2, 5.0));
  // A good one goes on.
  EXPECT_FALSE(p.report(4, 2, 1.5));
  EXPECT_FALSE(p.report(4, 3, 1.8));  // its best so far (1.5) still beats the median
  // A trial that diverged stops at once.
  EXPECT_TRUE(p.report(5, 1, NAN));
}

TEST(MedianPruner, NeedsEnoughOtherTrials) {
  MedianPruner p({.startup_trials = 2, .warmup_steps = 0});
  EXPECT_FALSE(p.report(0, 1, 1.0));
  EXPECT_FALSE(p.report(1, 1, 9.0));  // only one other trial so far
  EXPECT_TRUE(p.report(2, 1, 9.5));   // median of {1, 9} is 5
}

TEST(SuccessiveHalving, RungsAndPromotion) {
  SuccessiveHalvingPruner p({.min_resource = 1, .reduction_factor = 3, .max_resource = 27});
  EXPECT_EQ(p.rungs(), (std::vector<int>{1, 3, 9}));
  // The first trials continue only while they are the best at the rung.
  EXPECT_FALSE(p.report(0, 1, 0.5));
  EXPECT_TRUE(p.report(1, 1, 0.7));
  EXPECT_FALSE(p.report(2, 1, 0.4));
  // With 6 values at rung 1 the best two continue.
  EXPECT_TRUE(p.report(3, 1, 0.6));
  EXPECT_TRUE(p.report(4, 1, 0.55));
  EXPECT_FALSE(p.report(5, 1, 0.45));  // sorted: .4 .45 .5 .55 .6 .7 -> keeps <= .45
  // Steps between rungs never prune.
  EXPECT_FALSE(p.report(1, 2, 100.0));
  // Rung 3 is separate.
  EXPECT_FALSE(p.report(2, 3, 0.3));
  EXPECT_TRUE(p.report(5, 3, 0.35));
}

TEST(SuccessiveHalving, UnboundedBudgetKeepsAddingRungs) {
  SuccessiveHalvingPruner p({.min_resource = 2, .reduction_factor = 2, .max_resource = 0});
  const std::vector<int> r = p.rungs();
  ASSERT_GT(r.size(), 10u);
  EXPECT_EQ(r[0], 2);
  EXPECT_EQ(r[3], 16);
}

TEST(Hyperband, BracketsInterleaveInProportion) {
  HyperbandPruner p({.min_resource = 1, .max_resource = 9, .reduction_factor = 3});
  ASSERT_EQ(p.brackets(), 3);  // minimum budgets 1, 3, 9
  // Hyperband's sizes for s_max = 2: 9, 5 (ceil(3/2 * 3)), 3.
  std::map<int, int> count;
  for (int64_t t = 0; t < 17; ++t) ++count[p.bracket_of(t)];
  EXPECT_EQ(count[0], 9);
  EXPECT_EQ(count[1], 5);
  EXPECT_EQ(count[2], 3);
  // Interleaved: the first few trials do not all land in one bracket.
  std::map<int, int> first;
  for (int64_t t = 0; t < 6; ++t) ++first[p.bracket_of(t)];
  EXPECT_GE(first.size(), 2u);
}

TEST(Hyperband, TrialsCompeteOnlyWithinTheirBracket) {
  HyperbandPruner p({.min_resource = 1, .max_resource = 9, .reduction_factor = 3});
  std::vector<int64_t> in_first;
  for (int64_t t = 0; in_first.size() < 3; ++t) {
    if (p.bracket_of(t) == 0) in_first.push_back(t);
  }
  EXPECT_FALSE(p.report(in_first[0], 1, 0.2));
  EXPECT_TRUE(p.report(in_first[1], 1, 0.9));  // worse than the bracket's best at rung 1
  // The most conservative bracket (minimum budget 9 = the full budget) never prunes.
  int64_t last = 0;
  while (p.bracket_of(last) != 2) ++last;
  for (int step = 1; step <= 9; ++step) EXPECT_FALSE(p.report(last, step, 100.0));
}

TEST(Pruner, ThreadSafeReports) {
  SuccessiveHalvingPruner p({.max_resource = 100});
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&p, w] {
      for (int i = 0; i < 200; ++i) p.report(w * 1000 + i, 1, static_cast<double>((i * 7 + w) % 13));
    });
  }
  for (auto& t : threads) t.join();
  // After 800 reports, a loss above the best third is pruned.
  EXPECT_TRUE(p.report(99999, 1, 12.0));
}

TEST(Pruner, FactoryAndErrors) {
  EXPECT_EQ(make_pruner("none", 10), nullptr);
  EXPECT_EQ(make_pruner("median", 10)->name(), "median");
  EXPECT_EQ(make_pruner("sha", 10)->name(), "successive_halving");
  EXPECT_EQ(make_pruner("hyperband", 10)->name(), "hyperband");
  try {
    make_pruner("early", 10);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "tune: unknown pruner 'early' (known: none, median, successive_halving, hyperband)");
  }
  EXPECT_THROW(HyperbandPruner({.min_resource = 4, .max_resource = 2}), Error);
  EXPECT_THROW(SuccessiveHalvingPruner({.reduction_factor = 1}), Error);
  MedianPruner m;
  EXPECT_THROW(m.report(0, 0, 1.0), Error);
}

}  // namespace
}  // namespace strata::tune
