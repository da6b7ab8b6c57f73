// Accuracy curves of graph runs (strata train on data.dataset: graph configs): the mean over seeds of the
// validation and test accuracy per epoch, with a band of +- one standard deviation, one line per model.
//
//   graph_curves OUT.png LABEL=RUN_DIR[,RUN_DIR...] ...    (each RUN_DIR holds a metrics.csv)
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/core/error.h"
#include "strata/train/plot.h"

namespace {

// Columns val_accuracy (3) and test_accuracy (4) of a metrics.csv, one row per epoch.
std::vector<std::vector<double>> read_metrics(const std::string& dir) {
  std::ifstream in(dir + "/metrics.csv");
  STRATA_CHECK(in.good(), "graph_curves: cannot open {}/metrics.csv", dir);
  std::vector<std::vector<double>> cols(2);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::vector<double> v;
    for (std::string cell; std::getline(ss, cell, ',');) v.push_back(std::stod(cell));
    STRATA_CHECK(v.size() == 5, "graph_curves: {}/metrics.csv: expected 5 columns, got '{}'", dir, line);
    cols[0].push_back(v[3]);
    cols[1].push_back(v[4]);
  }
  return cols;
}

strata::train::Series mean_band(const std::string& label, const std::vector<std::vector<double>>& runs) {
  strata::train::Series s{label, {}};
  size_t n = runs[0].size();
  for (const auto& r : runs) n = std::min(n, r.size());
  for (size_t e = 0; e < n; ++e) {
    double m = 0, v = 0;
    for (const auto& r : runs) m += r[e] / static_cast<double>(runs.size());
    for (const auto& r : runs) v += (r[e] - m) * (r[e] - m) / static_cast<double>(runs.size());
    s.values.push_back(m);
    s.lower.push_back(m - std::sqrt(v));
    s.upper.push_back(m + std::sqrt(v));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: graph_curves OUT.png LABEL=RUN_DIR[,RUN_DIR...] ...\n");
    return 2;
  }
  try {
    std::vector<strata::train::Series> val, test;
    for (int a = 2; a < argc; ++a) {
      const std::string arg = argv[a];
      const size_t eq = arg.find('=');
      STRATA_CHECK(eq != std::string::npos, "graph_curves: expected LABEL=RUN_DIR[,...], got '{}'", arg);
      std::vector<std::vector<double>> v, t;
      std::stringstream dirs(arg.substr(eq + 1));
      for (std::string d; std::getline(dirs, d, ',');) {
        auto cols = read_metrics(d);
        v.push_back(cols[0]);
        t.push_back(cols[1]);
      }
      val.push_back(mean_band(arg.substr(0, eq), v));
      test.push_back(mean_band(arg.substr(0, eq), t));
    }
    // Runs without validation nodes (the karate club) get the test panel only.
    bool has_val = false;
    for (const auto& series : val)
      for (double v : series.values) has_val = has_val || v != 0.0;
    if (has_val)
      strata::train::plot_line_panels(argv[1], {{"validation accuracy", val}, {"test accuracy", test}});
    else
      strata::train::plot_line_panels(argv[1], {{"test accuracy", test}});
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "graph_curves: %s\n", e.what());
    return 1;
  }
  return 0;
}
