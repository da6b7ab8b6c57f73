// Learning curves of several `strata rl` runs of one config (different seeds) in one PNG: the mean over the
// runs of the rolling mean return (last 100 episodes) at each update, with a band of +- one standard
// deviation. scripts/rl_study.sh draws docs/figures/rl_*.png with it.
//
//   rl_curves OUT.png RUN/metrics.csv [RUN/metrics.csv ...]
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/core/error.h"
#include "strata/train/plot.h"

namespace {

// (step, rolling mean return) per update of one run's metrics.csv; NaN before the first episode ends.
std::vector<std::pair<int64_t, double>> read_curve(const std::string& path) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "rl_curves: cannot read {}", path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) header.push_back(cell);
  }
  const auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    STRATA_FAIL("rl_curves: {} has no column '{}'", path, name);
  };
  const size_t step_col = column("step"), return_col = column("rolling_mean_return");
  std::vector<std::pair<int64_t, double>> curve;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    STRATA_CHECK(cells.size() == header.size(), "rl_curves: {}: a row has {} cells, the header {}", path,
                 cells.size(), header.size());
    const std::string& r = cells[return_col];
    curve.emplace_back(std::stoll(cells[step_col]), r == "null" || r == "nan" ? NAN : std::stod(r));
  }
  return curve;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: rl_curves OUT.png RUN/metrics.csv [RUN/metrics.csv ...]\n";
    return 2;
  }
  try {
    std::vector<std::vector<std::pair<int64_t, double>>> runs;
    for (int i = 2; i < argc; ++i) runs.push_back(read_curve(argv[i]));
    size_t n = runs.front().size();
    for (const auto& r : runs) n = std::min(n, r.size());
    STRATA_CHECK(n > 0, "rl_curves: the runs have no updates");
    strata::train::Series mean{"mean return of the last 100 episodes (mean +- std over runs)", {}, {}, {}};
    for (size_t u = 0; u < n; ++u) {
      double sum = 0, sq = 0;
      int count = 0;
      for (const auto& r : runs) {
        if (std::isnan(r[u].second)) continue;
        sum += r[u].second;
        sq += r[u].second * r[u].second;
        ++count;
      }
      const double m = count > 0 ? sum / count : NAN;
      const double sd = count > 1 ? std::sqrt(std::max(0.0, (sq - count * m * m) / (count - 1))) : 0.0;
      mean.values.push_back(m);
      mean.lower.push_back(m - sd);
      mean.upper.push_back(m + sd);
    }
    const int64_t steps_per_update = runs.front()[0].first;
    const std::string title = std::filesystem::path(argv[2]).parent_path().parent_path().filename().string();
    strata::train::plot_line_panels(argv[1], {{fmt::format("{} ({} seeds)", title, runs.size()), {mean}}},
                                    720, 400,
                                    fmt::format("update ({} environment steps each)", steps_per_update));
  } catch (const std::exception& e) {
    std::cerr << "rl_curves: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
