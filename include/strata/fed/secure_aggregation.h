#pragma once
// Secure aggregation with pairwise additive masks (Bonawitz et al. 2017, the masking core of their protocol).
// Every pair of clients (i, j) of a round shares a seed; each expands it into a mask vector m_ij with the
// same generator. Client i sends  x_i + sum_{j > i} m_ij - sum_{j < i} m_ij,  so the masks cancel in the sum
// over the round's clients and the server learns only the sum.
//
// Arithmetic is in the ring of integers modulo 2^64: updates are encoded in fixed point (value * 2^frac_bits,
// rounded to the nearest integer) and masks are uniform in the whole ring, so
//   - the masks cancel exactly (floating-point masks would cancel only up to rounding, and large masks would
//     swamp the update's precision);
//   - a masked vector alone is uniformly distributed, independent of the update;
//   - the sum of masked vectors equals the sum of the encoded updates to the bit, in any order (which also
//     makes a run across MPI ranks reproduce a one-process run exactly).
// The only error is the encoding's rounding, at most 2^-(frac_bits+1) per value and client.
//
// Left out of Bonawitz et al.: the Diffie-Hellman key agreement that gives each pair its seed (here the seed
// is derived from a session seed, the round and the pair, which stands in for the agreed key) and the
// Shamir-shared seeds that let the server remove the masks of clients that drop out after masking. Clients
// that drop out are therefore left out before masking: a round masks among the clients that report.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::fed {

struct SecureAggregationOptions {
  int frac_bits = 24;  // fixed-point fraction bits: resolution 2^-24 ~ 6e-8
  uint64_t seed = 0;   // the session seed the pair seeds derive from
};

class SecureAggregation {
 public:
  explicit SecureAggregation(SecureAggregationOptions options = {});
  // The seed pair (i, j) shares in `round` (symmetric in i and j).
  uint64_t pair_seed(int64_t round, int64_t i, int64_t j) const;
  // Encodes `update` (f32/f64 [P]) in fixed point; throws naming the value when one does not fit the ring
  // with room for `num_clients` summands.
  Tensor encode(const Tensor& update, int64_t num_clients) const;
  // Client `client`'s masked encoding for the round whose reporting clients are `clients` (which must hold
  // `client`): encode(update) plus its pairwise masks, as i64 [P] holding ring elements.
  Tensor mask(const Tensor& update, int64_t client, const std::vector<int64_t>& clients, int64_t round) const;
  // The ring sum of masked (or encoded) vectors, i64 [P].
  static Tensor ring_sum(const std::vector<Tensor>& vectors);
  // Decodes a ring element vector (a sum of encodings) back to f64 [P].
  Tensor decode(const Tensor& sum) const;
  const SecureAggregationOptions& options() const { return options_; }

 private:
  SecureAggregationOptions options_;
};

}  // namespace strata::fed
