#include "strata/nn/positional.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/rotary.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

// The rows offset..offset+T of a [max_len, d_model] table for x [..., T, d_model].
Tensor rows_for(const char* type, const Tensor& table, const Tensor& x, int64_t offset, int64_t d_model) {
  STRATA_CHECK(x.defined() && x.dim() >= 2 && x.size(-1) == d_model,
               "{}: expected x [..., T, {}] (d_model={}), got {}", type, d_model, d_model,
               x.defined() ? x.shape().str() : std::string("an undefined tensor"));
  const int64_t T = x.size(-2), max_len = table.size(0);
  STRATA_CHECK(offset >= 0 && offset + T <= max_len, "{}: positions {}..{} exceed max_len={} (x of shape {})",
               type, offset, offset + T - 1, max_len, x.shape().str());
  const Tensor rows = ops::narrow(table, 0, offset, T);
  return rows.dtype() == x.dtype() ? rows : ops::to_dtype(rows, x.dtype());
}

}  // namespace

Tensor sinusoidal_encoding(int64_t max_len, int64_t d_model) {
  STRATA_CHECK(d_model > 0 && max_len > 0,
               "SinusoidalPositionalEncoding: d_model and max_len must be positive, got {} and {}", d_model,
               max_len);
  // angle[t, i] = t * exp(-2i ln(10000) / d_model); sin and cos interleaved along the features.
  const int64_t pairs = (d_model + 1) / 2;
  const Tensor position = ops::unsqueeze(arange(static_cast<double>(max_len), {.dtype = kFloat64}), 1);
  const Tensor div_term =
      ops::exp(ops::mul(arange(0.0, 2.0 * static_cast<double>(pairs), 2.0, {.dtype = kFloat64}),
                        -std::log(10000.0) / static_cast<double>(d_model)));
  const Tensor angle = ops::mul(position, div_term);
  const Tensor table = ops::reshape(ops::stack({ops::sin(angle), ops::cos(angle)}, -1), {max_len, 2 * pairs});
  return ops::contiguous(ops::to_dtype(ops::narrow(table, 1, 0, d_model), kFloat32));
}

SinusoidalPositionalEncodingImpl::SinusoidalPositionalEncodingImpl(int64_t d_model, int64_t max_len)
    : Module("SinusoidalPositionalEncoding"), d_model(d_model), max_len(max_len) {
  pe = register_buffer("pe", sinusoidal_encoding(max_len, d_model));
}

Tensor SinusoidalPositionalEncodingImpl::forward(const Tensor& x, int64_t offset) {
  return ops::add(x, rows_for("SinusoidalPositionalEncoding", pe, x, offset, d_model));
}

std::string SinusoidalPositionalEncodingImpl::extra_repr() const {
  return fmt::format("d_model={}, max_len={}", d_model, max_len);
}

LearnedPositionalEncodingImpl::LearnedPositionalEncodingImpl(int64_t max_len, int64_t d_model)
    : Module("LearnedPositionalEncoding"), max_len(max_len), d_model(d_model) {
  STRATA_CHECK(d_model > 0 && max_len > 0,
               "LearnedPositionalEncoding: max_len and d_model must be positive, got {} and {}", max_len,
               d_model);
  weight = register_parameter("weight", empty({max_len, d_model}));
  init::normal_(weight);
}

Tensor LearnedPositionalEncodingImpl::forward(const Tensor& x, int64_t offset) {
  return ops::add(x, rows_for("LearnedPositionalEncoding", weight, x, offset, d_model));
}

std::string LearnedPositionalEncodingImpl::extra_repr() const {
  return fmt::format("max_len={}, d_model={}", max_len, d_model);
}

RotaryEmbeddingImpl::RotaryEmbeddingImpl(int64_t dim, double base, int64_t max_len)
    : Module("RotaryEmbedding"), dim(dim), base(base) {
  STRATA_CHECK(dim > 0 && dim % 2 == 0, "RotaryEmbedding: dim must be positive and even, got {}", dim);
  STRATA_CHECK(base > 0, "RotaryEmbedding: base must be positive, got {}", base);
  STRATA_CHECK(max_len > 0, "RotaryEmbedding: max_len must be positive, got {}", max_len);
  grow(max_len, kFloat32, Device());
}

void RotaryEmbeddingImpl::grow(int64_t length, Dtype dtype, Device device) {
  const Tensor positions = arange(static_cast<double>(length), {.dtype = kInt64, .device = device});
  const Tensor angles = ops::rotary_angles(positions, dim, base);
  cos_ = ops::to_dtype(ops::cos(angles), dtype);
  sin_ = ops::to_dtype(ops::sin(angles), dtype);
}

Tensor RotaryEmbeddingImpl::forward(const Tensor& x, int64_t offset) {
  STRATA_CHECK(x.defined() && x.dim() >= 2 && x.size(-1) == dim,
               "RotaryEmbedding: expected x [..., T, {}] (dim={}), got {}", dim, dim,
               x.defined() ? x.shape().str() : std::string("an undefined tensor"));
  STRATA_CHECK(offset >= 0, "RotaryEmbedding: offset must not be negative, got {}", offset);
  const int64_t T = x.size(-2);
  if (offset + T > cos_.size(0) || cos_.dtype() != x.dtype() || cos_.device() != x.device())
    grow(std::max(offset + T, cos_.size(0)), x.dtype(), x.device());
  return ops::apply_rotary_embedding(x, ops::narrow(cos_, 0, offset, T), ops::narrow(sin_, 0, offset, T));
}

std::string RotaryEmbeddingImpl::extra_repr() const { return fmt::format("dim={}, base={}", dim, base); }

}  // namespace strata::nn
