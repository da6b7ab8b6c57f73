// Searchers: grid enumeration, seeded reproducibility, pending trials, TPE, and the Bayesian searcher beating
// random search on Branin and Hartmann-6.
#include "strata/tune/searcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "strata/core/error.h"
#include "strata/tune/benchmarks.h"

namespace strata::tune {
namespace {

// Best loss after `evaluations` suggest/observe rounds of `searcher` on `f`.
template <typename F>
double run(Searcher& searcher, int evaluations, F f) {
  double best = INFINITY;
  for (int t = 0; t < evaluations; ++t) {
    const auto a = searcher.suggest(t);
    EXPECT_TRUE(a.has_value());
    const double v = f(as_vector(searcher.space(), *a));
    searcher.observe(t, *a, v);
    best = std::min(best, v);
  }
  return best;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double branin_v(const std::vector<double>& x) { return branin(x[0], x[1]); }

struct Comparison {
  double bayes, random, tpe;
};

template <typename F>
Comparison compare(const SearchSpace& space, F f, int evaluations, int seeds) {
  std::vector<double> bayes, random, tpe;
  for (int s = 0; s < seeds; ++s) {
    BayesSearcher b(space, {.seed = static_cast<uint64_t>(s)});
    RandomSearcher r(space, static_cast<uint64_t>(s));
    TPESearcher t(space, {.seed = static_cast<uint64_t>(s)});
    bayes.push_back(run(b, evaluations, f));
    random.push_back(run(r, evaluations, f));
    tpe.push_back(run(t, evaluations, f));
  }
  return {median(bayes), median(random), median(tpe)};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

SearchSpace mixed_space() {
  SearchSpace s;
  s.loguniform("lr", 1e-4, 1e-1)
      .choice("optimizer", {"adam", "sgd"})
      .uniform("momentum", 0.5, 0.99, when("optimizer", {"sgd"}))
      .integer("layers", 1, 4);
  return s;
}

TEST(GridSearcher, EnumeratesEveryCombinationFirstParameterSlowest) {
  SearchSpace s;
  s.uniform("a", 0, 1).choice("b", {"x", "y"}).integer("c", 1, 3);
  GridSearcher g(s, {.resolution = 3});
  ASSERT_EQ(g.points().size(), 3u * 2 * 3);
  EXPECT_EQ(to_string(g.points()[0]), "{a: 0.0, b: x, c: 1}");
  EXPECT_EQ(to_string(g.points()[1]), "{a: 0.0, b: x, c: 2}");
  EXPECT_EQ(to_string(g.points()[3]), "{a: 0.0, b: y, c: 1}");
  EXPECT_EQ(to_string(g.points()[6]), "{a: 0.5, b: x, c: 1}");
  EXPECT_EQ(to_string(g.points().back()), "{a: 1.0, b: y, c: 3}");
  // Suggestions walk the grid in order, then run out.
  for (size_t t = 0; t < g.points().size(); ++t) {
    const auto a = g.suggest(static_cast<int64_t>(t));
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(to_string(*a), to_string(g.points()[t]));
    g.observe(static_cast<int64_t>(t), *a, 1.0);
  }
  EXPECT_FALSE(g.suggest(18).has_value());
}

TEST(GridSearcher, LogScalesConditionsAndPerParameterResolution) {
  SearchSpace s;
  s.add(Param{
      .name = "lr", .distribution = Distribution::LogUniform, .low = 1e-4, .high = 1e-1, .grid_points = 4});
  s.choice("optimizer", {"adam", "sgd"}).uniform("momentum", 0.0, 0.9, when("optimizer", {"sgd"}));
  s.integer("width", 16, 1024, true);
  GridSearcher g(s, {.resolution = 3});
  // lr: 4 log-spaced values; optimizer adam (no momentum) + sgd x 3 momenta = 4; width: 3 log-spaced ints.
  ASSERT_EQ(g.points().size(), 4u * 4 * 3);
  std::set<std::string> lrs, widths;
  int with_momentum = 0;
  for (const Assignment& a : g.points()) {
    s.validate(a);
    lrs.insert(to_string(a.at("lr")));
    widths.insert(to_string(a.at("width")));
    with_momentum += a.count("momentum");
  }
  EXPECT_EQ(lrs, (std::set<std::string>{"0.0001", "0.001", "0.01", "0.1"}));
  EXPECT_EQ(widths, (std::set<std::string>{"16", "128", "1024"}));
  EXPECT_EQ(with_momentum, 4 * 3 * 3);
}

TEST(GridSearcher, ShuffleIsASeededPermutationAndTooLargeGridsFail) {
  SearchSpace s;
  s.uniform("a", 0, 1).uniform("b", 0, 1);
  GridSearcher plain(s, {.resolution = 4}), shuffled(s, {.resolution = 4, .shuffle = true, .seed = 5}),
      again(s, {.resolution = 4, .shuffle = true, .seed = 5});
  std::multiset<std::string> p, q;
  for (const auto& a : plain.points()) p.insert(to_string(a));
  for (const auto& a : shuffled.points()) q.insert(to_string(a));
  EXPECT_EQ(p, q);
  EXPECT_NE(to_string(plain.points()[0]) + to_string(plain.points()[1]),
            to_string(shuffled.points()[0]) + to_string(shuffled.points()[1]));
  for (size_t i = 0; i < again.points().size(); ++i)
    EXPECT_EQ(to_string(again.points()[i]), to_string(shuffled.points()[i]));
  EXPECT_NE(error_of([&] {
              GridSearcher(s, {.resolution = 2000, .max_points = 1000});
            }).find("grid search: the grid has more than 1000 points"),
            std::string::npos);
}

TEST(RandomSearcher, SameSeedSameTrialsAndEveryDrawIsValid) {
  const SearchSpace s = mixed_space();
  RandomSearcher a(s, 11), b(s, 11), c(s, 12);
  for (int t = 0; t < 20; ++t) {
    const Assignment x = *a.suggest(t), y = *b.suggest(t), z = *c.suggest(t);
    s.validate(x);
    EXPECT_EQ(to_string(x), to_string(y));
    if (t == 0) {
      EXPECT_NE(to_string(x), to_string(z));
    }
  }
  // A trial's draw depends on its number only: a resumed run continues with fresh configurations.
  RandomSearcher late(s, 11);
  EXPECT_EQ(to_string(*late.suggest(7)), to_string(*RandomSearcher(s, 11).suggest(7)));
}

TEST(BayesSearcher, SeededRunsAreReproducibleAndStartLikeRandomSearch) {
  const SearchSpace s = branin_space();
  BayesSearcher a(s, {.seed = 4}), b(s, {.seed = 4});
  RandomSearcher r(s, 4);
  EXPECT_EQ(a.initial_points(), 4);  // 1 + 2 dimensions, at least 4
  for (int t = 0; t < 12; ++t) {
    const Assignment x = *a.suggest(t), y = *b.suggest(t);
    EXPECT_EQ(to_string(x), to_string(y)) << t;
    if (t < a.initial_points()) {
      EXPECT_EQ(to_string(x), to_string(*r.suggest(t))) << t;
    }
    const std::vector<double> v = as_vector(s, x);
    a.observe(t, x, branin(v[0], v[1]));
    b.observe(t, y, branin(v[0], v[1]));
  }
  EXPECT_TRUE(a.model().fitted());
}

TEST(BayesSearcher, HandlesMixedConditionalSpacesAndPendingTrials) {
  const SearchSpace s = mixed_space();
  BayesSearcher bo(s, {.seed = 1, .initial_points = 5});
  // Loss: best near lr = 1e-2, sgd with high momentum, 2 layers.
  auto loss = [](const Assignment& a) {
    double l = std::pow(std::log10(to_double(a.at("lr"))) + 2, 2) + std::abs(to_double(a.at("layers")) - 2);
    if (std::get<std::string>(a.at("optimizer")) == "sgd") l += 0.5 - to_double(a.at("momentum"));
    return l;
  };
  for (int t = 0; t < 20; ++t) {
    const Assignment a = *bo.suggest(t);
    s.validate(a);
    bo.observe(t, a, loss(a));
  }
  EXPECT_LT(bo.best().loss, 0.3);
  // Three suggestions in flight at once are distinct and all valid.
  std::set<std::string> pending;
  for (int t = 20; t < 23; ++t) {
    const Assignment a = *bo.suggest(t);
    s.validate(a);
    pending.insert(to_string(a));
  }
  EXPECT_EQ(pending.size(), 3u);
  EXPECT_EQ(bo.pending().size(), 3u);
  bo.forget(21);
  EXPECT_EQ(bo.pending().size(), 2u);
}

TEST(BayesSearcher, UpperConfidenceBoundAlsoFindsTheMinimum) {
  const SearchSpace s = branin_space();
  BayesSearcher bo(s, {.seed = 2, .acquisition = Acquisition::UpperConfidenceBound});
  EXPECT_LT(run(bo, 30, branin_v), 1.0);
}

TEST(TPESearcher, IsReproducibleAndConcentratesNearTheOptimum) {
  const SearchSpace s = mixed_space();
  TPESearcher a(s, {.seed = 3}), b(s, {.seed = 3});
  auto loss = [](const Assignment& x) { return std::pow(std::log10(to_double(x.at("lr"))) + 2, 2); };
  std::vector<double> startup, later;
  for (int t = 0; t < 40; ++t) {
    const Assignment x = *a.suggest(t), y = *b.suggest(t);
    s.validate(x);
    EXPECT_EQ(to_string(x), to_string(y));
    a.observe(t, x, loss(x));
    b.observe(t, y, loss(y));
    (t < 10 ? startup : later).push_back(loss(x));
  }
  // After the random start, the typical draw is much closer to lr = 1e-2.
  EXPECT_LT(median(later), 0.25 * median(startup));
}

TEST(Searcher, ObserveValidatesAndFactoryNamesMethods) {
  const SearchSpace s = mixed_space();
  RandomSearcher r(s, 0);
  EXPECT_NE(error_of([&] {
              r.observe(0, {{"lr", 0.5}}, 1.0);
            }).find("lr: 0.5 is outside"),
            std::string::npos);
  const Assignment a = *r.suggest(0);
  EXPECT_NE(error_of([&] { r.observe(0, a, NAN); }).find("random searcher: trial 0 reported a loss of nan"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.best(); }).find("random searcher: no observations yet"), std::string::npos);
  EXPECT_NE(error_of([&] { r.suggest(-1); }).find("trial numbers start at 0"), std::string::npos);
  for (const std::string& m : searcher_names()) EXPECT_EQ(make_searcher(m, s)->name(), m);
  EXPECT_EQ(make_searcher("bo", s)->name(), "bayes");
  EXPECT_EQ(error_of([&] { make_searcher("bayesian-ish", s); }),
            "tune: unknown method 'bayesian-ish' (known: grid, random, bayes, tpe)");
  EXPECT_NE(error_of([&] { RandomSearcher(SearchSpace{}, 0); }).find("the search space is empty"),
            std::string::npos);
}

TEST(BayesVsRandom, BraninThirtyEvaluationsTenSeeds) {
  const auto start = std::chrono::steady_clock::now();
  const Comparison c = compare(branin_space(), branin_v, 30, 10);
  const double gap_bayes = c.bayes - kBraninMinimum, gap_random = c.random - kBraninMinimum;
  std::printf("branin median best: bayes %.5f random %.5f tpe %.5f (optimum %.5f), %.2f s\n", c.bayes,
              c.random, c.tpe, kBraninMinimum,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_GE(gap_bayes, -1e-9);
  EXPECT_LT(gap_bayes, gap_random);
}

TEST(BayesVsRandom, Hartmann6ThirtyEvaluationsTenSeeds) {
  const auto start = std::chrono::steady_clock::now();
  const Comparison c = compare(hartmann6_space(), hartmann6, 30, 10);
  const double gap_bayes = c.bayes - kHartmann6Minimum, gap_random = c.random - kHartmann6Minimum;
  std::printf("hartmann6 median best: bayes %.5f random %.5f tpe %.5f (optimum %.5f), %.2f s\n", c.bayes,
              c.random, c.tpe, kHartmann6Minimum,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_GE(gap_bayes, -1e-9);
  EXPECT_LT(gap_bayes, gap_random);
}

}  // namespace
}  // namespace strata::tune
