#include "strata/nn/init.h"

#include <cmath>
#include <vector>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"

namespace strata::nn::init {
namespace {

void check(const Tensor& t, const char* op) {
  STRATA_CHECK(t.defined(), "{}: tensor is undefined", op);
  STRATA_CHECK(t.is_floating_point(), "{}: needs a floating tensor, got {}", op, dtype_name(t.dtype()));
}

void assign(Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  t.copy_(values);
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Sigmoid:
      return 1.0;
    case Nonlinearity::Tanh:
      return 5.0 / 3.0;
    case Nonlinearity::Relu:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyRelu:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::Selu:
      return 3.0 / 4.0;
  }
  return 1.0;
}

std::pair<int64_t, int64_t> fan_in_and_out(const Tensor& weight) {
  STRATA_CHECK(weight.dim() >= 2, "init: fan in and fan out need a tensor with at least 2 dims, got shape {}",
               weight.shape().str());
  const int64_t receptive = weight.numel() / (weight.size(0) * weight.size(1));
  return {weight.size(1) * receptive, weight.size(0) * receptive};
}

void uniform_(Tensor& t, double low, double high, Generator* generator) {
  check(t, "uniform_");
  assign(t, rand(t.shape(), {.dtype = t.dtype()}, generator) * (high - low) + low);
}

void normal_(Tensor& t, double mean, double std, Generator* generator) {
  check(t, "normal_");
  assign(t, randn(t.shape(), {.dtype = t.dtype()}, generator) * std + mean);
}

void constant_(Tensor& t, double value) {
  check(t, "constant_");
  NoGradGuard no_grad;
  t.fill_(value);
}

void zeros_(Tensor& t) { constant_(t, 0.0); }
void ones_(Tensor& t) { constant_(t, 1.0); }

void xavier_uniform_(Tensor& t, double gain, Generator* generator) {
  auto [fan_in, fan_out] = fan_in_and_out(t);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, -a, a, generator);
}

void xavier_normal_(Tensor& t, double gain, Generator* generator) {
  auto [fan_in, fan_out] = fan_in_and_out(t);
  normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), generator);
}

void kaiming_uniform_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* generator) {
  auto [fan_in, fan_out] = fan_in_and_out(t);
  const double fan = static_cast<double>(mode == FanMode::FanIn ? fan_in : fan_out);
  const double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(fan);
  uniform_(t, -bound, bound, generator);
}

void kaiming_normal_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity, Generator* generator) {
  auto [fan_in, fan_out] = fan_in_and_out(t);
  const double fan = static_cast<double>(mode == FanMode::FanIn ? fan_in : fan_out);
  normal_(t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan), generator);
}

void orthogonal_(Tensor& t, double gain, Generator* generator) {
  check(t, "orthogonal_");
  STRATA_CHECK(t.dim() >= 2, "orthogonal_: needs at least 2 dims, got shape {}", t.shape().str());
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  // QR of a tall normal sample by modified Gram-Schmidt; columns of Q are orthonormal.
  const bool transpose = rows < cols;
  const int64_t m = transpose ? cols : rows, n = transpose ? rows : cols;
  std::vector<double> a = randn({m, n}, {.dtype = kFloat64}, generator).to_vector<double>();
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += a[i * n + k] * a[i * n + j];
      for (int64_t i = 0; i < m; ++i) a[i * n + j] -= dot * a[i * n + k];
    }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += a[i * n + j] * a[i * n + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < m; ++i) a[i * n + j] /= norm;
  }
  Tensor q = from_vector(a, {m, n});
  if (transpose) q = q.t();
  assign(t, (q * gain).reshape(t.shape()));
}

}  // namespace strata::nn::init
