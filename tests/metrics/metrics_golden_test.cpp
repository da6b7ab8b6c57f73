// Every registry metric against scikit-learn on the fixtures of scripts/gen_fixtures_metrics.py: fed at once
// and streamed in uneven batches (some of which lack classes), both must match.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "strata/io/safetensors.h"
#include "strata/metrics.h"

namespace strata::metrics {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto tensors = io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/metrics.safetensors");
  return tensors;
}

std::vector<std::string> case_names() {
  std::set<std::string> names;
  for (const auto& [key, t] : fixture()) names.insert(key.substr(0, key.find('.')));
  return {names.begin(), names.end()};
}

// The metric names a case stores ("<case>.metric.<name>") with their reference values.
std::map<std::string, double> references(const std::string& c) {
  std::map<std::string, double> out;
  const std::string prefix = c + ".metric.";
  for (const auto& [key, t] : fixture()) {
    if (key.rfind(prefix, 0) == 0) out[key.substr(prefix.size())] = t.item();
  }
  return out;
}

// Registry aliases and the fixture name each must equal.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a{{"auc", "roc_auc"},
                                                    {"pr_auc", "average_precision"},
                                                    {"matthews_corrcoef", "mcc"},
                                                    {"top_k_accuracy", "top5_accuracy"},
                                                    {"fbeta_micro", "f1_micro"},
                                                    {"fbeta_macro", "f1_macro"},
                                                    {"fbeta_weighted", "f1_weighted"},
                                                    {"fbeta_binary", "f1_binary"}};
  return a;
}

::testing::AssertionResult close(double got, double want) {
  if (std::isnan(want) ? std::isnan(got) : std::abs(got - want) <= 1e-12 + 1e-9 * std::abs(want)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << fmt::format("strata {:.17g}, scikit-learn {:.17g}", got, want);
}

const Tensor& get(const std::string& key) {
  auto it = fixture().find(key);
  STRATA_CHECK(it != fixture().end(), "fixture has no tensor '{}'", key);
  return it->second;
}

// Feeds the case to `metric` at once, then (after reset) in the fixture's batches; returns both values.
std::pair<double, double> once_and_streamed(Metric& metric, const std::string& c) {
  const Tensor& output = get(c + ".output");
  const Tensor& target = get(c + ".target");
  metric.reset();
  metric.update(output, target);
  const double once = metric.compute();
  metric.reset();
  int64_t start = 0;
  for (int64_t size : get(c + ".batches").to_vector<int64_t>()) {
    metric.update(output.narrow(0, start, size), target.narrow(0, start, size));
    start += size;
  }
  return {once, metric.compute()};
}

class MetricsGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(MetricsGolden, MatchesScikitLearnAtOnceAndStreamed) {
  const std::string c = GetParam();
  const auto refs = references(c);
  ASSERT_FALSE(refs.empty()) << c;
  for (const auto& [name, want] : refs) {
    std::vector<std::string> spellings{name};
    for (const auto& [alias, target] : aliases()) {
      if (target == name) spellings.push_back(alias);
    }
    for (const std::string& spelling : spellings) {
      auto metric = make(spelling);
      const auto [once, streamed] = once_and_streamed(*metric, c);
      EXPECT_TRUE(close(once, want)) << c << ": " << spelling << " at once";
      EXPECT_TRUE(close(streamed, want)) << c << ": " << spelling << " streamed";
    }
  }
  if (fixture().count(c + ".confusion_matrix")) {
    auto metric = make("confusion_matrix");
    auto& cm = dynamic_cast<ConfusionMatrix&>(*metric);
    const Tensor& want = get(c + ".confusion_matrix");
    int64_t start = 0;
    for (int64_t size : get(c + ".batches").to_vector<int64_t>()) {
      cm.update(get(c + ".output").narrow(0, start, size), get(c + ".target").narrow(0, start, size));
      start += size;
    }
    EXPECT_TRUE(equal(cm.matrix(), want)) << c << ": confusion matrix\n"
                                          << cm.matrix() << "\nscikit-learn\n"
                                          << want;
    EXPECT_TRUE(equal(cm.compute_tensor(), want));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MetricsGolden, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Every fixed registry name is checked on at least one case (directly or as an alias).
TEST(MetricsGolden, EveryRegistryNameHasAReference) {
  std::set<std::string> covered{"confusion_matrix"};
  for (const std::string& c : case_names()) {
    for (const auto& [name, v] : references(c)) covered.insert(name);
  }
  for (const std::string& name : names()) {
    if (name.find('<') != std::string::npos) continue;  // patterns, covered by top1/top2 and f0.5/f2 cases
    const auto alias = aliases().find(name);
    EXPECT_TRUE(covered.count(alias == aliases().end() ? name : alias->second))
        << name << " has no golden value";
  }
}

}  // namespace
}  // namespace strata::metrics
