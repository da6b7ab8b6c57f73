// classification_report text, byte for byte against scikit-learn's.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "strata/io/safetensors.h"
#include "strata/metrics/confusion.h"
#include "strata/metrics/report.h"

namespace strata::metrics {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto tensors =
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/metrics_report.safetensors");
  return tensors;
}

std::vector<std::string> case_names() {
  std::set<std::string> names;
  for (const auto& [key, t] : fixture()) names.insert(key.substr(0, key.find('.')));
  return {names.begin(), names.end()};
}

std::string text(const std::string& key) {
  const Tensor& t = fixture().at(key);
  if (t.numel() == 0) return "";
  const auto bytes = t.to_vector<uint8_t>();
  return {bytes.begin(), bytes.end()};
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class ReportGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ReportGolden, MatchesScikitLearnText) {
  const std::string c = GetParam();
  const std::vector<std::string> names =
      text(c + ".names").empty() ? std::vector<std::string>{} : lines(text(c + ".names"));
  const int digits = static_cast<int>(fixture().at(c + ".digits").item());
  const Tensor& y_true = fixture().at(c + ".y_true");
  const Tensor& y_pred = fixture().at(c + ".y_pred");
  const std::string want = text(c + ".text");
  EXPECT_EQ(classification_report(y_true, y_pred, names, digits), want);
  if (!names.empty()) {  // the same through an accumulated confusion matrix
    ConfusionMatrix cm({.num_classes = static_cast<int64_t>(names.size())});
    cm.update(y_pred, y_true);
    EXPECT_EQ(classification_report(cm.matrix(), names, digits), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReportGolden, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace strata::metrics
