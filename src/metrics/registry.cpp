// Metric names as configs use them, mapped to metric objects.
#include "strata/metrics/registry.h"

#include <functional>
#include <regex>

#include "strata/metrics/classification.h"
#include "strata/metrics/probabilistic.h"
#include "strata/metrics/ranking.h"
#include "strata/metrics/regression.h"

namespace strata::metrics {
namespace {

using Factory = std::function<std::unique_ptr<Metric>(const MetricOptions&)>;

struct Entry {
  std::string name;
  Factory make;
};

template <typename M, typename... Args>
Factory factory(Args... args) {
  return [=](const MetricOptions& o) -> std::unique_ptr<Metric> {
    if constexpr (std::is_constructible_v<M, Args..., const MetricOptions&>) {
      return std::make_unique<M>(args..., o);
    } else {
      return std::make_unique<M>(args...);
    }
  };
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    e.push_back({"accuracy", factory<Accuracy>()});
    e.push_back({"top5_accuracy", [](const MetricOptions& o) {
                   MetricOptions k = o;
                   k.top_k = 5;
                   return std::unique_ptr<Metric>(std::make_unique<TopKAccuracy>(k));
                 }});
    e.push_back({"top_k_accuracy", factory<TopKAccuracy>()});
    for (Average a : {Average::Binary, Average::Micro, Average::Macro, Average::Weighted}) {
      const std::string suffix = "_" + average_name(a);
      e.push_back({"precision" + suffix, factory<Precision>(a)});
      e.push_back({"recall" + suffix, factory<Recall>(a)});
      e.push_back({"f1" + suffix, factory<F1>(a)});
      e.push_back({"fbeta" + suffix, factory<FBeta>(a)});
    }
    e.push_back({"confusion_matrix", factory<ConfusionMatrix>()});
    e.push_back({"roc_auc", factory<RocAuc>(Average::Macro)});
    e.push_back({"roc_auc_weighted", factory<RocAuc>(Average::Weighted)});
    e.push_back({"auc", factory<RocAuc>(Average::Macro)});
    e.push_back({"average_precision", factory<AveragePrecision>(Average::Macro)});
    e.push_back({"average_precision_micro", factory<AveragePrecision>(Average::Micro)});
    e.push_back({"average_precision_weighted", factory<AveragePrecision>(Average::Weighted)});
    e.push_back({"pr_auc", factory<AveragePrecision>(Average::Macro)});
    e.push_back({"log_loss", factory<LogLoss>()});
    e.push_back({"mcc", factory<MatthewsCorrCoef>()});
    e.push_back({"matthews_corrcoef", factory<MatthewsCorrCoef>()});
    e.push_back({"cohen_kappa", factory<CohenKappa>(KappaWeights::None)});
    e.push_back({"cohen_kappa_linear", factory<CohenKappa>(KappaWeights::Linear)});
    e.push_back({"cohen_kappa_quadratic", factory<CohenKappa>(KappaWeights::Quadratic)});
    e.push_back({"mse", factory<MeanSquaredError>()});
    e.push_back({"rmse", factory<RootMeanSquaredError>()});
    e.push_back({"mae", factory<MeanAbsoluteError>()});
    e.push_back({"mape", factory<MeanAbsolutePercentageError>()});
    e.push_back({"r2", factory<R2Score>()});
    e.push_back({"perplexity", factory<Perplexity>()});
    e.push_back({"bits_per_char", factory<BitsPerChar>()});
    return e;
  }();
  return entries;
}

Average parse_average(const std::string& s) {
  if (s == "binary") return Average::Binary;
  if (s == "micro") return Average::Micro;
  if (s == "weighted") return Average::Weighted;
  return Average::Macro;
}

// Levenshtein distance, for the "did you mean" hint.
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::unique_ptr<Metric> make(const std::string& name, const MetricOptions& options) {
  for (const Entry& e : table()) {
    if (e.name == name) return e.make(options);
  }
  static const std::regex top_k(R"(top([0-9]{1,6})_accuracy)");
  static const std::regex f_beta(R"(f([0-9]+(\.[0-9]+)?)_(binary|micro|macro|weighted))");
  std::smatch m;
  if (std::regex_match(name, m, top_k)) {
    MetricOptions o = options;
    o.top_k = std::stoll(m[1].str());
    return std::make_unique<TopKAccuracy>(o);
  }
  if (std::regex_match(name, m, f_beta)) {
    MetricOptions o = options;
    o.beta = std::stod(m[1].str());
    return std::make_unique<FBeta>(parse_average(m[3].str()), o);
  }
  std::string known, closest;
  size_t best = std::string::npos;
  for (const std::string& n : names()) {
    known += (known.empty() ? "" : ", ") + n;
    if (const size_t d = distance(name, n); d < best) best = d, closest = n;
  }
  const std::string hint = best <= 3 ? fmt::format(" (did you mean '{}'?)", closest) : "";
  STRATA_FAIL("metrics: unknown metric '{}'{}; known metrics: {}", name, hint, known);
}

std::vector<std::string> names() {
  std::vector<std::string> all;
  for (const Entry& e : table()) all.push_back(e.name);
  all.push_back("top<k>_accuracy");
  all.push_back("f<beta>_<average>");
  return all;
}

bool higher_is_better(const std::string& name) {
  const std::string bare = name.rfind("val_", 0) == 0 ? name.substr(4) : name;
  return make(bare)->higher_is_better();
}

}  // namespace strata::metrics
