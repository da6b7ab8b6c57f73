#pragma once
// A small timing harness shared by the strata side of the suite (bench/run): warm-up, then steady-state
// samples until enough steps or enough time, reported as one JSON line per row on stdout (median and
// p10/p90). The PyTorch twins (bench/pytorch/harness.py) follow the same protocol, so both sides are
// measured the same way.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// Run-time settings, from the command line: --threads N --min-steps N --min-time S --warmup N --max-steps N.
struct Settings {
  int threads = 1;
  int64_t min_steps = 100;  // stop after this many samples ...
  double min_time = 5.0;    // ... or once this many seconds of samples have run, whichever comes first
  int64_t max_steps = 100000;
  int64_t warmup = -1;       // -1: the workload's own default
  int64_t floor_steps = 10;  // never fewer samples than this
};

using Clock = std::chrono::steady_clock;

inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Wall and CPU time per iteration of each sample.
struct Samples {
  std::vector<double> wall, cpu;
};

// One measured row: per-sample times (already divided by the iterations inside a sample).
struct Row {
  std::string workload;  // "W1", "W8", ...
  std::string variant;   // "" or e.g. "batch 1", "n=256"
  std::string unit;      // "ms" or "us"
  std::vector<double> samples;
  std::string extra;
  std::vector<double> cpu_samples;  // process CPU time per iteration (robust on a loaded machine)

  Row(std::string workload, std::string variant, std::string unit, Samples s, std::string extra = "")
      : workload(std::move(workload)),
        variant(std::move(variant)),
        unit(std::move(unit)),
        samples(std::move(s.wall)),
        extra(std::move(extra)),
        cpu_samples(std::move(s.cpu)) {}  // further JSON members, without braces ("\"onednn_ms\": 1.2")
};

inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double f = pos - static_cast<double>(lo);
  return v[lo] * (1.0 - f) + v[hi] * f;
}

inline void print(const Row& r, const Settings& s) {
  std::printf(
      "{\"workload\": \"%s\", \"variant\": \"%s\", \"threads\": %d, \"unit\": \"%s\", \"median\": %.6g, "
      "\"p10\": %.6g, \"p90\": %.6g, \"cpu_median\": %.6g, \"steps\": %zu%s%s}\n",
      r.workload.c_str(), r.variant.c_str(), s.threads, r.unit.c_str(), percentile(r.samples, 0.5),
      percentile(r.samples, 0.1), percentile(r.samples, 0.9), percentile(r.cpu_samples, 0.5),
      r.samples.size(), r.extra.empty() ? "" : ", ", r.extra.c_str());
  std::fflush(stdout);
}

// Times `step` (which runs `inner` iterations of the measured thing per call): `warmup` untimed calls, then
// timed calls until the settings' step/time bound. Samples are in `unit` per iteration.
template <typename Step>
Samples measure(const Settings& s, int64_t warmup, int64_t inner, const char* unit, Step&& step) {
  for (int64_t i = 0; i < (s.warmup >= 0 ? s.warmup : warmup); ++i) step();
  const double scale = (std::strcmp(unit, "us") == 0 ? 1e6 : 1e3) / static_cast<double>(inner);
  Samples out;
  const auto start = Clock::now();
  while (static_cast<int64_t>(out.wall.size()) < s.max_steps) {
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    step();
    const auto t1 = Clock::now();
    const double c1 = cpu_seconds();
    out.wall.push_back(std::chrono::duration<double>(t1 - t0).count() * scale);
    out.cpu.push_back((c1 - c0) * scale);
    const double elapsed = std::chrono::duration<double>(t1 - start).count();
    const auto n = static_cast<int64_t>(out.wall.size());
    if (n >= s.floor_steps && (n >= s.min_steps || elapsed >= s.min_time)) break;
  }
  return out;
}

inline Settings parse(int argc, char** argv, std::vector<std::string>& positional) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--threads") {
      s.threads = std::atoi(next());
    } else if (a == "--min-steps") {
      s.min_steps = std::atoll(next());
    } else if (a == "--min-time") {
      s.min_time = std::atof(next());
    } else if (a == "--max-steps") {
      s.max_steps = std::atoll(next());
    } else if (a == "--warmup") {
      s.warmup = std::atoll(next());
    } else if (a == "--floor-steps") {
      s.floor_steps = std::atoll(next());
    } else {
      positional.push_back(a);
    }
  }
  return s;
}

}  // namespace bench
