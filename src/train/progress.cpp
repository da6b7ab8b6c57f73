#include "strata/train/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace strata::train {
namespace {

std::string clock_text(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{:02}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, FILE* stream)
    : label_(std::move(label)),
      total_(total),
      stream_(stream),
      tty_(stream != nullptr && isatty(fileno(stream))),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::render(int64_t step, const std::string& metrics, double elapsed_s,
                                int64_t samples) const {
  constexpr int kWidth = 24;
  const double frac = total_ > 0 ? static_cast<double>(step) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  const double rate = elapsed_s > 0 ? static_cast<double>(samples) / elapsed_s : 0.0;
  const double eta =
      step > 0 ? elapsed_s * static_cast<double>(total_ - step) / static_cast<double>(step) : 0.0;
  return fmt::format("{} [{}] {}/{} {}{}{:.0f} samples/s {}<{}", label_, bar, step, total_, metrics,
                     metrics.empty() ? "" : " | ", rate, clock_text(elapsed_s), clock_text(eta));
}

void ProgressBar::update(int64_t step, const std::string& metrics, int64_t samples) {
  if (!stream_) return;
  samples_ = samples;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (tty_) {
    // Redraw in place, at most ten times a second.
    if (since < 0.1 && step < total_) return;
    fmt::print(stream_, "\r{}\x1b[K", render(step, metrics, elapsed, samples));
  } else {
    // Plain lines for logs: about every tenth of the epoch, and at least every 30 seconds.
    const int64_t every = std::max<int64_t>(1, total_ / 10);
    if (step % every != 0 && since < 30.0) return;
    fmt::print(stream_, "{}\n", render(step, metrics, elapsed, samples));
  }
  std::fflush(stream_);
  last_draw_ = now;
}

void ProgressBar::finish(const std::string& metrics) {
  if (!stream_) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  fmt::print(stream_, "{}{}\n", tty_ ? "\r" : "", render(total_, metrics, elapsed, samples_));
  std::fflush(stream_);
}

}  // namespace strata::train
