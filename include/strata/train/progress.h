#pragma once
// A progress bar on stderr: redrawn in place on a terminal, periodic plain lines otherwise (CI logs).
#include <chrono>
#include <cstdio>
#include <string>

namespace strata::train {

class ProgressBar {
 public:
  // `total` steps; `label` prefixes each line (e.g. "epoch 1/3").
  ProgressBar(std::string label, int64_t total, FILE* stream = stderr);
  // Reports progress after `step` (1-based) steps, with a metrics text such as "loss 0.4123 acc 0.8512"
  // and the number of samples processed so far (for samples/s).
  void update(int64_t step, const std::string& metrics, int64_t samples);
  // Final line for the epoch.
  void finish(const std::string& metrics);
  // Renders one line (without the carriage return), for tests.
  std::string render(int64_t step, const std::string& metrics, double elapsed_s, int64_t samples) const;

 private:
  std::string label_;
  int64_t total_;
  FILE* stream_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t samples_ = 0;
};

}  // namespace strata::train
