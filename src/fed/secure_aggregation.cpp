// Ring arithmetic modulo 2^64 is unsigned 64-bit arithmetic (wrapping is defined for unsigned types); the
// tensors hold the same bits as i64. No strata kernel works in this ring, hence the plain loops.
#include "strata/fed/secure_aggregation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::fed {
namespace {

// SplitMix64: the mixing step that turns (seed, counter) into independent 64-bit words.
uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t* words(Tensor& t) { return reinterpret_cast<uint64_t*>(t.data_ptr<int64_t>()); }
const uint64_t* words(const Tensor& t) { return reinterpret_cast<const uint64_t*>(t.data_ptr<int64_t>()); }

void check_ring(const Tensor& t, const char* op) {
  STRATA_CHECK(
      t.defined() && t.dtype() == kInt64 && t.dim() == 1 && t.is_contiguous(),
      "{}: expected a contiguous i64 vector of ring elements, got {}", op,
      t.defined() ? t.shape().str() + " " + std::string(dtype_name(t.dtype())) : std::string("undefined"));
}

}  // namespace

SecureAggregation::SecureAggregation(SecureAggregationOptions options) : options_(options) {
  STRATA_CHECK(options_.frac_bits >= 0 && options_.frac_bits <= 40,
               "SecureAggregation: frac_bits must be in [0, 40], got {}", options_.frac_bits);
}

uint64_t SecureAggregation::pair_seed(int64_t round, int64_t i, int64_t j) const {
  const uint64_t lo = static_cast<uint64_t>(std::min(i, j)), hi = static_cast<uint64_t>(std::max(i, j));
  return splitmix(splitmix(splitmix(options_.seed ^ 0x5EC0A66ull) ^ static_cast<uint64_t>(round)) ^
                  (lo << 32 | hi));
}

Tensor SecureAggregation::encode(const Tensor& update, int64_t num_clients) const {
  STRATA_CHECK(update.defined() && update.dim() == 1 && update.is_floating_point(),
               "SecureAggregation::encode: expected a floating-point vector [P], got {}",
               update.defined() ? update.shape().str() + " " + std::string(dtype_name(update.dtype()))
                                : std::string("undefined"));
  STRATA_CHECK(num_clients >= 1, "SecureAggregation::encode: num_clients must be >= 1, got {}", num_clients);
  const Tensor x = update.to(kFloat64).contiguous();
  const double* in = x.data_ptr<double>();
  const double scale = std::ldexp(1.0, options_.frac_bits);
  // Each encoding and the sum of num_clients of them must stay within the signed range (2^63).
  const double limit = std::ldexp(1.0, 62) / static_cast<double>(num_clients);
  Tensor out = empty({x.numel()}, {.dtype = kInt64});
  uint64_t* o = words(out);
  for (int64_t k = 0; k < x.numel(); ++k) {
    const double v = std::nearbyint(in[k] * scale);
    STRATA_CHECK(std::isfinite(v) && std::abs(v) < limit,
                 "SecureAggregation::encode: value {} at {} does not fit {} fraction bits for {} clients",
                 in[k], k, options_.frac_bits, num_clients);
    o[k] = static_cast<uint64_t>(static_cast<int64_t>(v));
  }
  return out;
}

Tensor SecureAggregation::mask(const Tensor& update, int64_t client, const std::vector<int64_t>& clients,
                               int64_t round) const {
  STRATA_CHECK(std::count(clients.begin(), clients.end(), client) == 1,
               "SecureAggregation::mask: client {} is not (once) among the round's {} clients", client,
               clients.size());
  Tensor out = encode(update, static_cast<int64_t>(clients.size()));
  uint64_t* o = words(out);
  const int64_t n = out.numel();
  for (int64_t other : clients) {
    if (other == client) continue;
    const uint64_t seed = pair_seed(round, client, other);
    // The mask's k-th word is splitmix(seed + k) (a counter-mode generator): both ends of a pair expand
    // the same words; the lower-numbered client adds them and the other subtracts them.
    if (client < other) {
      for (int64_t k = 0; k < n; ++k)
        o[k] += splitmix(seed + static_cast<uint64_t>(k) * 0x9E3779B97F4A7C15ull);
    } else {
      for (int64_t k = 0; k < n; ++k)
        o[k] -= splitmix(seed + static_cast<uint64_t>(k) * 0x9E3779B97F4A7C15ull);
    }
  }
  return out;
}

Tensor SecureAggregation::ring_sum(const std::vector<Tensor>& vectors) {
  STRATA_CHECK(!vectors.empty(), "SecureAggregation::ring_sum: no vectors");
  check_ring(vectors[0], "SecureAggregation::ring_sum");
  Tensor out = vectors[0].clone();
  uint64_t* o = words(out);
  for (size_t v = 1; v < vectors.size(); ++v) {
    check_ring(vectors[v], "SecureAggregation::ring_sum");
    STRATA_CHECK(vectors[v].numel() == out.numel(),
                 "SecureAggregation::ring_sum: vector {} has {} elements, not {}", v, vectors[v].numel(),
                 out.numel());
    const uint64_t* in = words(vectors[v]);
    for (int64_t k = 0; k < out.numel(); ++k) o[k] += in[k];
  }
  return out;
}

Tensor SecureAggregation::decode(const Tensor& sum) const {
  check_ring(sum, "SecureAggregation::decode");
  Tensor out = empty({sum.numel()}, {.dtype = kFloat64});
  double* o = out.data_ptr<double>();
  const int64_t* in = sum.data_ptr<int64_t>();
  const double inv = std::ldexp(1.0, -options_.frac_bits);
  for (int64_t k = 0; k < sum.numel(); ++k) o[k] = static_cast<double>(in[k]) * inv;
  return out;
}

}  // namespace strata::fed
