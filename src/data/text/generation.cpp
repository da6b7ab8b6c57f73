#include "strata/data/text/generation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace strata::data::text {

int64_t sample_token(const Tensor& logits, const SamplingOptions& options, Generator& gen) {
  STRATA_CHECK(logits.defined() && logits.is_floating_point() && logits.numel() > 0,
               "sample_token: logits must be a non-empty floating tensor, got {}",
               logits.defined() ? fmt::format("{} {}", dtype_name(logits.dtype()), logits.shape().str())
                                : "undefined");
  STRATA_CHECK(logits.dim() == 1 || (logits.numel() == logits.size(-1)),
               "sample_token: logits must be [V] (or [1, ..., V]), got shape {}", logits.shape().str());
  STRATA_CHECK(options.temperature >= 0, "sample_token: temperature must be >= 0, got {}",
               options.temperature);
  STRATA_CHECK(options.top_k >= 0, "sample_token: top_k must be >= 0, got {}", options.top_k);
  STRATA_CHECK(options.top_p > 0 && options.top_p <= 1, "sample_token: top_p must be in (0, 1], got {}",
               options.top_p);
  const std::vector<double> z = logits.to(kCPU).to_vector<double>();
  const auto v = static_cast<int64_t>(z.size());
  for (int64_t i = 0; i < v; ++i) {
    STRATA_CHECK(!std::isnan(z[static_cast<size_t>(i)]), "sample_token: logit {} is NaN", i);
  }
  if (options.temperature == 0) return std::max_element(z.begin(), z.end()) - z.begin();
  // Candidate ids by decreasing logit (ties by id), cut to top_k.
  std::vector<int64_t> ids(static_cast<size_t>(v));
  std::iota(ids.begin(), ids.end(), int64_t{0});
  int64_t k = options.top_k > 0 ? std::min(options.top_k, v) : v;
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int64_t a, int64_t b) {
    const double za = z[static_cast<size_t>(a)], zb = z[static_cast<size_t>(b)];
    return za != zb ? za > zb : a < b;
  });
  const double top = z[static_cast<size_t>(ids[0])];
  std::vector<double> weights(static_cast<size_t>(k));
  double total = 0;
  for (int64_t i = 0; i < k; ++i) {
    weights[static_cast<size_t>(i)] =
        std::exp((z[static_cast<size_t>(ids[static_cast<size_t>(i)])] - top) / options.temperature);
    total += weights[static_cast<size_t>(i)];
  }
  if (options.top_p < 1) {
    // Keep the likeliest tokens until their mass reaches top_p: token i stays while the mass before it is
    // still short of top_p (so the first always stays).
    double before = 0;
    int64_t kept = 0;
    while (kept < k && before < options.top_p * total) before += weights[static_cast<size_t>(kept++)];
    k = kept;
    total = before;
  }
  // Inverse-CDF draw from 53 random bits (same result on every standard library).
  double u = static_cast<double>(gen.engine()() >> 11) * 0x1.0p-53 * total;
  for (int64_t i = 0; i < k; ++i) {
    u -= weights[static_cast<size_t>(i)];
    if (u < 0) return ids[static_cast<size_t>(i)];
  }
  return ids[static_cast<size_t>(k - 1)];
}

std::vector<int64_t> generate_tokens(const std::function<Tensor(int64_t)>& step,
                                     const std::vector<int64_t>& prompt, int64_t count,
                                     const SamplingOptions& options, Generator& gen) {
  STRATA_CHECK(static_cast<bool>(step), "generate_tokens: step function is empty");
  STRATA_CHECK(!prompt.empty(), "generate_tokens: the prompt must hold at least one token");
  STRATA_CHECK(count >= 0, "generate_tokens: count must be >= 0, got {}", count);
  Tensor logits;
  for (int64_t id : prompt) logits = step(id);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t next = sample_token(logits, options, gen);
    out.push_back(next);
    if (i + 1 < count) logits = step(next);
  }
  return out;
}

}  // namespace strata::data::text
