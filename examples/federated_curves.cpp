// Plots test accuracy vs round for the federated runs of docs/federated.md: one panel per partition (IID,
// Dirichlet 0.5, Dirichlet 0.1), FedAvg and FedProx in each, from the metrics.csv files `strata federate`
// wrote into RUNS/<partition>_<algorithm>/, and prints the table of final and best accuracies (markdown).
//   federated_curves RUNS OUT.png
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "strata/strata.h"
#include "strata/train/plot.h"

namespace {

// The test_accuracy column (7th) of a metrics.csv, one value per round.
std::vector<double> accuracy(const std::string& path) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "federated_curves: cannot read {}", path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> out;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    for (int col = 0; col < 7 && std::getline(ss, cell, ','); ++col) {
    }
    out.push_back(cell.empty() ? (out.empty() ? 0.0 : out.back()) : std::stod(cell));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: federated_curves RUNS OUT.png\n";
    return 2;
  }
  const std::string runs = argv[1];
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"iid", "IID"}, {"a0.5", "Dirichlet alpha=0.5"}, {"a0.1", "Dirichlet alpha=0.1"}};
  std::vector<std::pair<std::string, std::vector<strata::train::Series>>> panels;
  std::cout << "| partition | algorithm | final accuracy | mean of the last 10 rounds | best | first round "
               "at 80% |\n|---|---|---|---|---|---|\n";
  for (const auto& [dir, title] : parts) {
    std::vector<strata::train::Series> series;
    for (const std::string alg : {"fedavg", "fedprox"}) {
      const std::vector<double> acc = accuracy(fmt::format("{}/{}_{}/metrics.csv", runs, dir, alg));
      const auto hit = std::find_if(acc.begin(), acc.end(), [](double a) { return a >= 0.8; });
      const size_t tail = std::min<size_t>(10, acc.size());
      double last10 = 0;
      for (size_t i = acc.size() - tail; i < acc.size(); ++i) last10 += acc[i] / static_cast<double>(tail);
      std::cout << fmt::format("| {} | {} | {:.4f} | {:.4f} | {:.4f} | {} |\n", title,
                               alg == "fedavg" ? "FedAvg" : "FedProx", acc.back(), last10,
                               *std::max_element(acc.begin(), acc.end()),
                               hit == acc.end() ? std::string("-") : std::to_string(hit - acc.begin() + 1));
      series.push_back({alg == "fedavg" ? "FedAvg" : "FedProx (mu 0.1)", acc});
    }
    panels.emplace_back(title, series);
  }
  strata::train::plot_line_panels(argv[2], panels, 420, 320, "round");
  return 0;
}
