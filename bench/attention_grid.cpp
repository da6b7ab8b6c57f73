// The fused scaled_dot_product_attention kernel (scaled_dot_product_attention_fused) against the unfused
// composition (matmul, masked softmax, matmul, autograd through each) on a grid of shapes: prefill T = 16 ..
// 2048, decode (one query against a KV cache of S keys), no mask / causal / padding mask [B, 1, 1, S], head
// sizes 32, 64, 128; forward alone (no grad) and forward + backward. Prints a markdown table
// (docs/performance.md) with the process CPU time per call (steady on a loaded machine; the 10th percentile
// of the samples) of each path and their ratio; scaled_dot_product_attention's dispatch rule
// (src/ops/attention.cpp) comes from this table.
//
//   attention_grid [--threads N] [--min-time S] [--only prefill|decode] [--dims 32,64,128]
//                  [--sizes 16,64,...] (prefill T) [--kv 128,...] (decode S)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "strata/strata.h"

namespace {

using namespace strata;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU milliseconds per call of f (10th percentile): 2 warm-up calls, then samples until min_time seconds and
// at least 5.
double time_ms(const std::function<void()>& f, double min_time) {
  f();
  f();
  std::vector<double> t;
  const double start = cpu_seconds();
  while (t.size() < 5 || (cpu_seconds() - start < min_time && t.size() < 200)) {
    const double c0 = cpu_seconds();
    f();
    t.push_back((cpu_seconds() - c0) * 1e3);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 10];  // the 10th percentile: on a shared machine the least disturbed samples
}

enum class Mask { None, Causal, Padding };

const char* mask_name(Mask m) { return m == Mask::None ? "none" : m == Mask::Causal ? "causal" : "padding"; }

struct Config {
  int64_t B, H, L, S, D;
  Mask mask;
};

using Sdpa = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double, bool,
                        std::optional<double>, Generator*);

// Forward (no grad) and forward + backward times of one path.
std::pair<double, double> measure(const Config& c, Sdpa sdpa, double min_time) {
  Generator g(0);
  const Tensor q = randn({c.B, c.H, c.L, c.D}, {}, &g), k = randn({c.B, c.H, c.S, c.D}, {}, &g),
               v = randn({c.B, c.H, c.S, c.D}, {}, &g), go = randn({c.B, c.H, c.L, c.D}, {}, &g);
  Tensor mask;
  if (c.mask == Mask::Padding) {
    // Each sequence keeps a prefix: 100%, 75%, 50%, ... of its keys.
    mask = zeros({c.B, 1, 1, c.S}, {.dtype = kUInt8});
    for (int64_t b = 0; b < c.B; ++b)
      mask.slice(0, b, b + 1).slice(3, 0, std::max<int64_t>(1, c.S - b * c.S / 4)).fill_(1);
  }
  const bool causal = c.mask == Mask::Causal;
  const double fwd = time_ms(
      [&] {
        NoGradGuard no_grad;
        sdpa(q, k, v, mask, 0.0, causal, std::nullopt, nullptr);
      },
      min_time);
  Tensor qg = q.detach().requires_grad_(), kg = k.detach().requires_grad_(), vg = v.detach().requires_grad_();
  const double both = time_ms(
      [&] {
        Tensor y = sdpa(qg, kg, vg, mask, 0.0, causal, std::nullopt, nullptr);
        y.backward(go);
        qg.zero_grad();
        kg.zero_grad();
        vg.zero_grad();
      },
      min_time);
  return {fwd, both};
}

std::vector<int64_t> parse_list(const char* s) {
  std::vector<int64_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoll(p, const_cast<char**>(&p), 10));
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double min_time = 0.3;
  std::string only;
  std::vector<int64_t> dims{32, 64, 128}, sizes{16, 64, 128, 512, 1024, 2048}, kv{128, 512, 1024, 2048};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--min-time")) min_time = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    if (!std::strcmp(argv[i], "--dims")) dims = parse_list(argv[i + 1]);
    if (!std::strcmp(argv[i], "--sizes")) sizes = parse_list(argv[i + 1]);
    if (!std::strcmp(argv[i], "--kv")) kv = parse_list(argv[i + 1]);
  }
  set_num_threads(threads);
  std::vector<Config> grid;
  if (only.empty() || only == "prefill") {
    // batch * heads shrinks as T grows, so each row is a realistic slice of a training step.
    for (int64_t T : sizes) {
      const int64_t bh = T <= 128 ? 32 : T <= 512 ? 16 : T <= 1024 ? 8 : 4;
      for (int64_t D : dims)
        for (Mask m : {Mask::None, Mask::Causal, Mask::Padding}) grid.push_back({bh / 4, 4, T, T, D, m});
    }
  }
  if (only.empty() || only == "decode") {
    for (int64_t S : kv)
      for (int64_t D : dims) grid.push_back({8, 4, 1, S, D, Mask::Causal});
  }
  std::printf(
      "threads %d; CPU ms per call (10th percentile); ratio = unfused / fused (> 1: fused faster)\n\n",
      threads);
  std::printf(
      "| B x H | L | S | D | mask | fwd unfused | fwd fused | ratio | fwd+bwd unfused | fwd+bwd fused | "
      "ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Config& c : grid) {
    const auto [uf, ub] = measure(c, ops::scaled_dot_product_attention_unfused, min_time);
    const auto [ff, fb] = measure(
        c,
        [](const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m, double, bool causal,
           std::optional<double> scale,
           Generator*) { return ops::scaled_dot_product_attention_fused(q, k, v, m, causal, scale); },
        min_time);
    std::printf("| %lldx%lld | %lld | %lld | %lld | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f |\n",
                static_cast<long long>(c.B), static_cast<long long>(c.H), static_cast<long long>(c.L),
                static_cast<long long>(c.S), static_cast<long long>(c.D), mask_name(c.mask), uf, ff, uf / ff,
                ub, fb, ub / fb);
    std::fflush(stdout);
  }
  return 0;
}
