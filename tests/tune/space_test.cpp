// Search spaces: builders, unit-cube mapping, conditional parameters, sampling, encoding, YAML and its
// errors (empty space, unknown distribution, non-positive loguniform bound, unknown metric, ...).
#include "strata/tune/space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "strata/core/error.h"

namespace strata::tune {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

SearchSpace optimizer_space() {
  SearchSpace s;
  s.loguniform("lr", 1e-4, 1e-1)
      .choice("optimizer", {"adam", "sgd"})
      .uniform("momentum", 0.5, 0.99, when("optimizer", {"sgd"}))
      .integer("hidden", 16, 256, /*log=*/true)
      .choice("batch_size", {32, 64, 128});
  return s;
}

TEST(Value, TextAndEquality) {
  EXPECT_EQ(to_string(Value(int64_t{64})), "64");
  EXPECT_EQ(to_string(Value(0.001)), "0.001");
  EXPECT_EQ(to_string(Value(2.0)), "2.0");  // stays a real when read back
  EXPECT_EQ(to_string(Value("sgd")), "sgd");
  EXPECT_TRUE(values_equal(Value(int64_t{2}), Value(2.0)));
  EXPECT_FALSE(values_equal(Value("2"), Value(int64_t{2})));
  EXPECT_EQ(to_double(Value(int64_t{3})), 3.0);
  EXPECT_NE(error_of([] { to_double(Value("adam")); }).find("'adam' is text"), std::string::npos);
  EXPECT_EQ(to_string(Assignment{{"lr", 0.5}, {"optimizer", "sgd"}}), "{lr: 0.5, optimizer: sgd}");
}

TEST(Param, UnitMappingRoundTrips) {
  const SearchSpace s = optimizer_space();
  const Param& lr = s.param("lr");
  EXPECT_DOUBLE_EQ(to_double(lr.from_unit(0.0)), 1e-4);
  EXPECT_NEAR(to_double(lr.from_unit(1.0)), 1e-1, 1e-15);
  EXPECT_NEAR(to_double(lr.from_unit(0.5)), std::sqrt(1e-4 * 1e-1), 1e-12);  // geometric middle
  EXPECT_NEAR(lr.to_unit(Value(0.01)), 2.0 / 3.0, 1e-12);

  const Param& hidden = s.param("hidden");
  EXPECT_EQ(hidden.cardinality(), 241);
  EXPECT_EQ(std::get<int64_t>(hidden.from_unit(0.0)), 16);
  EXPECT_EQ(std::get<int64_t>(hidden.from_unit(1.0)), 256);
  for (int64_t v : {16, 17, 64, 200, 256}) {
    EXPECT_EQ(std::get<int64_t>(hidden.from_unit(hidden.to_unit(Value(v)))), v) << v;
  }
  const Param& bs = s.param("batch_size");
  EXPECT_EQ(std::get<int64_t>(bs.from_unit(0.0)), 32);
  EXPECT_EQ(std::get<int64_t>(bs.from_unit(0.5)), 64);
  EXPECT_EQ(std::get<int64_t>(bs.from_unit(1.0)), 128);
  EXPECT_DOUBLE_EQ(bs.to_unit(Value(int64_t{128})), 5.0 / 6.0);
  EXPECT_EQ(bs.choice_index(Value(64.0)), 1);  // numeric choices match by value
  EXPECT_EQ(bs.choice_index(Value("64")), -1);
}

TEST(Param, CheckRejectsValuesOutsideTheParameter) {
  const SearchSpace s = optimizer_space();
  EXPECT_NE(error_of([&] { s.param("lr").check(Value(0.5)); }).find("lr: 0.5 is outside [0.0001, 0.1]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.param("hidden").check(Value(20.5)); }).find("hidden: expected an integer"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              s.param("optimizer").check(Value("adamw"));
            }).find("optimizer: adamw is not one of the choices (adam, sgd)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.param("lr").check(Value("fast")); }).find("lr: expected a number"),
            std::string::npos);
}

TEST(SearchSpace, ConditionalParametersAreSampledOnlyWhenActive) {
  const SearchSpace s = optimizer_space();
  std::mt19937_64 rng(3);
  int sgd = 0;
  for (int i = 0; i < 200; ++i) {
    const Assignment a = s.sample(rng);
    s.validate(a);
    const bool is_sgd = std::get<std::string>(a.at("optimizer")) == "sgd";
    sgd += is_sgd;
    EXPECT_EQ(a.count("momentum"), is_sgd ? 1u : 0u);
  }
  EXPECT_GT(sgd, 60);
  EXPECT_LT(sgd, 140);
}

TEST(SearchSpace, LogUniformSamplesAreUniformInLogSpace) {
  SearchSpace s;
  s.loguniform("lr", 1e-5, 1e-1);
  std::mt19937_64 rng(7);
  int below_1e3 = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) below_1e3 += to_double(s.sample(rng).at("lr")) < 1e-3;
  EXPECT_NEAR(static_cast<double>(below_1e3) / n, 0.5, 0.03);  // half the decades lie below 1e-3
}

TEST(SearchSpace, SamplingIsReproducibleForASeed) {
  const SearchSpace s = optimizer_space();
  std::mt19937_64 a(42), b(42), c(43);
  for (int i = 0; i < 20; ++i) {
    const Assignment x = s.sample(a), y = s.sample(b), z = s.sample(c);
    EXPECT_EQ(to_string(x), to_string(y));
    if (i == 0) {
      EXPECT_NE(to_string(x), to_string(z));
    }
  }
}

TEST(SearchSpace, EncodeUsesUnitScalesAndOneHotBlocks) {
  const SearchSpace s = optimizer_space();
  EXPECT_EQ(s.encoded_size(), 1 + 2 + 1 + 1 + 3);
  const Assignment adam{
      {"lr", 0.01}, {"optimizer", "adam"}, {"hidden", int64_t{16}}, {"batch_size", int64_t{128}}};
  const std::vector<double> x = s.encode(adam);
  ASSERT_EQ(x.size(), 8u);
  EXPECT_NEAR(x[0], 2.0 / 3.0, 1e-12);
  EXPECT_EQ(x[1], 1.0);
  EXPECT_EQ(x[2], 0.0);
  EXPECT_EQ(x[3], 0.5);  // momentum inactive
  EXPECT_EQ(x[4], 0.0);  // hidden = low
  EXPECT_EQ((std::vector<double>(x.begin() + 5, x.end())), (std::vector<double>{0, 0, 1}));
  Assignment sgd = adam;
  sgd["optimizer"] = "sgd";
  sgd["momentum"] = 0.99;
  const std::vector<double> y = s.encode(sgd);
  EXPECT_EQ(y[2], 1.0);
  EXPECT_NEAR(y[3], 1.0, 1e-12);
  // from_unit / to_unit round trip keeps the configuration (reals up to rounding).
  const Assignment back = s.from_unit(s.to_unit(sgd));
  ASSERT_EQ(back.size(), sgd.size());
  for (const auto& [k, v] : sgd) {
    if (std::holds_alternative<double>(v)) {
      EXPECT_NEAR(to_double(back.at(k)), to_double(v), 1e-12 * std::abs(to_double(v))) << k;
    } else {
      EXPECT_TRUE(values_equal(back.at(k), v)) << k;
    }
  }
}

TEST(SearchSpace, ValidateNamesTheProblem) {
  const SearchSpace s = optimizer_space();
  Assignment a{{"lr", 0.01}, {"optimizer", "adam"}, {"hidden", int64_t{16}}, {"batch_size", int64_t{64}}};
  s.validate(a);
  Assignment missing = a;
  missing.erase("hidden");
  EXPECT_NE(error_of([&] { s.validate(missing); }).find("hidden: missing"), std::string::npos);
  Assignment inactive = a;
  inactive["momentum"] = 0.9;
  EXPECT_NE(
      error_of([&] { s.validate(inactive); }).find("momentum: is set but inactive (optimizer is not sgd)"),
      std::string::npos);
  Assignment unknown = a;
  unknown["dropout"] = 0.1;
  EXPECT_NE(error_of([&] { s.validate(unknown); }).find("unknown parameter 'dropout'"), std::string::npos);
  EXPECT_NE(error_of([&] { s.param("depth"); }).find("no parameter 'depth' (parameters: lr, optimizer"),
            std::string::npos);
}

TEST(SearchSpace, ParseReadsValuesBackFromText) {
  const SearchSpace s = optimizer_space();
  const Assignment a = s.parse(
      {{"lr", "0.003"}, {"optimizer", "sgd"}, {"momentum", "0.9"}, {"hidden", "64"}, {"batch_size", "128"}});
  s.validate(a);
  EXPECT_EQ(std::get<double>(a.at("lr")), 0.003);
  EXPECT_EQ(std::get<int64_t>(a.at("hidden")), 64);
  EXPECT_EQ(std::get<int64_t>(a.at("batch_size")), 128);
  EXPECT_EQ(std::get<std::string>(a.at("optimizer")), "sgd");
  // Empty cells are inactive parameters.
  const Assignment b = s.parse(
      {{"lr", "0.003"}, {"optimizer", "adam"}, {"momentum", ""}, {"hidden", "64"}, {"batch_size", "32"}});
  EXPECT_EQ(b.count("momentum"), 0u);
}

TEST(SearchSpace, BuilderErrorsNameTheParameter) {
  SearchSpace s;
  EXPECT_NE(error_of([&] { s.loguniform("lr", 0.0, 1.0); }).find("lr: loguniform needs positive bounds"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.uniform("p", 1.0, 1.0); }).find("p: uniform needs low < high"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.integer("n", 0, 10, true); }).find("n: int with log: true needs low >= 1"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.choice("c", {}); }).find("c: choice needs at least one value"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              s.choice("c", {"a", "a"});
            }).find("c: choice value a is listed twice"),
            std::string::npos);
  s.uniform("lr", 0.1, 1.0);
  EXPECT_NE(error_of([&] { s.uniform("lr", 0.1, 1.0); }).find("lr: the parameter is defined twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              s.uniform("m", 0, 1, when("opt", {"sgd"}));
            }).find("m: 'when' refers to 'opt', which is not a parameter defined before it"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.uniform("m", 0, 1, when("lr", {0.5})); }).find("which is a uniform parameter"),
            std::string::npos);
  s.choice("opt", {"adam", "sgd"});
  EXPECT_NE(error_of([&] {
              s.uniform("m", 0, 1, when("opt", {"rmsprop"}));
            }).find("m: 'when' value rmsprop is not a choice of 'opt' (adam, sgd)"),
            std::string::npos);
}

TEST(SpaceYaml, ParsesEveryDistributionAndCondition) {
  const SpaceFile f = parse_space_file(R"(
metric: val_loss
parameters:
  lr: {distribution: loguniform, low: 1.0e-4, high: 0.1}
  optimizer: {distribution: choice, values: [adam, sgd, rmsprop]}
  momentum: {distribution: uniform, low: 0.0, high: 0.99, when: {optimizer: [sgd, rmsprop]}}
  hidden: {distribution: int, low: 32, high: 512, log: true, grid: 4}
  batch_size: {distribution: choice, values: [32, 64]}
  dropout: {distribution: uniform, low: 0, high: 0.5}
)",
                                       "test.yaml");
  EXPECT_EQ(f.objective.metric, "val_loss");
  EXPECT_FALSE(f.objective.maximize);  // auto: a loss is minimised
  const SearchSpace& s = f.space;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s.params()[0].distribution, Distribution::LogUniform);
  EXPECT_TRUE(s.params()[0].log);
  EXPECT_EQ(s.param("momentum").condition->values.size(), 2u);
  EXPECT_TRUE(s.param("hidden").log);
  EXPECT_EQ(s.param("hidden").grid_points, 4);
  EXPECT_EQ(std::get<int64_t>(s.param("batch_size").choices[1]), 64);
  EXPECT_EQ(std::get<std::string>(s.param("optimizer").choices[2]), "rmsprop");
  EXPECT_EQ(s.param("dropout").high, 0.5);
  // A document that is only the parameter map works too.
  EXPECT_EQ(SearchSpace::from_yaml("lr: {distribution: uniform, low: 0, high: 1}").size(), 1u);
}

TEST(SpaceYaml, TheShippedFashionSpaceLoads) {
  const SpaceFile f =
      load_space_file(std::string(STRATA_FIXTURES_DIR) + "/../../configs/fashion_mlp_space.yaml");
  EXPECT_EQ(f.objective.metric, "val_accuracy");
  EXPECT_TRUE(f.objective.maximize);
  EXPECT_TRUE(f.space.has("optimizer.lr"));
  EXPECT_TRUE(f.space.param("optimizer.momentum").condition.has_value());
}

// The bad inputs the issue lists, each with a message naming the file, line and field.
TEST(SpaceYaml, EmptySpaceIsAnError) {
  EXPECT_EQ(error_of([] { parse_space_file("metric: val_accuracy\nparameters: {}\n", "s.yaml"); }),
            "s.yaml:2: parameters: is empty: the search space needs at least one parameter");
  EXPECT_NE(error_of([] {
              parse_space_file("metric: val_accuracy\n", "s.yaml");
            }).find("parameters: is missing: the search space needs at least one parameter"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_space_file("", "s.yaml"); }).find("s.yaml: parameters: is missing"),
            std::string::npos);
}

TEST(SpaceYaml, UnknownDistributionIsAnError) {
  EXPECT_EQ(
      error_of([] {
        parse_space_file("parameters:\n  lr: {distribution: gaussian, low: 0, high: 1}\n", "s.yaml");
      }),
      "s.yaml:2: parameters.lr.distribution: unknown distribution 'gaussian' (known: uniform, loguniform, "
      "int, choice)");
  EXPECT_NE(error_of([] {
              parse_space_file("parameters:\n  lr: {low: 0, high: 1}\n", "s.yaml");
            }).find("parameters.lr.distribution: is missing"),
            std::string::npos);
}

TEST(SpaceYaml, NonPositiveLogUniformBoundIsAnError) {
  EXPECT_EQ(error_of([] {
              parse_space_file(
                  "parameters:\n  lr:\n    distribution: loguniform\n    low: 0\n    high: 0.1\n", "s.yaml");
            }),
            "s.yaml:3: parameters.lr: loguniform needs positive bounds (it samples log(x)), got low = 0, "
            "high = 0.1");
  EXPECT_NE(error_of([] {
              parse_space_file("parameters:\n  lr: {distribution: loguniform, low: -1, high: 0.1}\n",
                               "s.yaml");
            }).find("parameters.lr: loguniform needs positive bounds"),
            std::string::npos);
}

TEST(SpaceYaml, UnknownMetricIsAnError) {
  const std::string e = error_of([] {
    parse_space_file("metric: val_acuracy\nparameters:\n  lr: {distribution: uniform, low: 0, high: 1}\n",
                     "s.yaml");
  });
  EXPECT_NE(e.find("s.yaml:1: metric: unknown metric 'val_acuracy' (known, each also with a 'val_' prefix"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("loss, accuracy, top5_accuracy"), std::string::npos) << e;
  EXPECT_NE(error_of([] { training_objective("val_confusion_matrix"); }).find("is not a single number"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_space_file("mode: largest\nparameters:\n  lr: {distribution: uniform, low: 0, high: 1}\n",
                               "s.yaml");
            }).find("s.yaml:1: mode: unknown mode 'largest' (known: max, min, auto)"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { training_objective("perplexity_x"); }).find("metric: unknown metric 'perplexity_x'"),
      std::string::npos);
  EXPECT_TRUE(training_objective("val_f1_macro").maximize);
  EXPECT_FALSE(training_objective("val_loss").maximize);
  EXPECT_FALSE(training_objective("accuracy", "min").maximize);
}

TEST(SpaceYaml, OtherMistakesNameTheField) {
  auto err = [](const std::string& text) { return error_of([&] { parse_space_file(text, "s.yaml"); }); };
  EXPECT_NE(err("parameters:\n  lr: {distribution: uniform, low: 0, hight: 1}\n")
                .find("parameters.lr: unknown field 'hight'"),
            std::string::npos);
  EXPECT_NE(
      err("parameters:\n  lr: {distribution: uniform, low: 0}\n").find("parameters.lr.high: is missing"),
      std::string::npos);
  EXPECT_NE(err("parameters:\n  lr: {distribution: uniform, low: zero, high: 1}\n")
                .find("parameters.lr.low: must be a number, got 'zero'"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  c: {distribution: choice, values: []}\n")
                .find("parameters.c.values: must be a non-empty list"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  c: {distribution: choice, low: 1, values: [a]}\n")
                .find("parameters.c.low: does not apply to a choice"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  m: {distribution: uniform, low: 0, high: 1, when: {opt: sgd}}\n")
                .find("s.yaml:2: parameters.m: 'when' refers to 'opt'"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  lr: [1, 2]\n").find("parameters.lr: must be a map"), std::string::npos);
  EXPECT_NE(err("parameters:\n  lr: {distribution: uniform, low: 0, high: 1}\nsearch: grid\n")
                .find("s.yaml:3: search: unknown field (known: metric, mode, parameters)"),
            std::string::npos);
  EXPECT_NE(err("parameters: {lr: {distribution: uniform, low: 0, high: 1}\n").find("s.yaml:"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  n: {distribution: int, low: 1.5, high: 4}\n")
                .find("parameters.n: int bounds must be integers"),
            std::string::npos);
  EXPECT_NE(err("parameters:\n  lr: {distribution: uniform, low: 0, high: 1, log: true}\n")
                .find("use distribution: loguniform"),
            std::string::npos);
}

TEST(SpaceYaml, MissingFileIsAnError) {
  EXPECT_NE(error_of([] {
              load_space_file("/nonexistent/space.yaml");
            }).find("search space file /nonexistent/space.yaml does not exist"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::tune
