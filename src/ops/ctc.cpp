// CTC loss: the forward (alpha) and backward (beta) recursions of Graves et al. (2006) in log space,
// one sequence at a time, over the blank-extended target l' = (blank, l1, blank, l2, ..., blank).
// The per-sequence negative log-likelihood is a primitive whose gradient is computed with the loss
// (from alpha + beta, the occupation of each label at each step) and scaled by the upstream gradient in
// the backward; the reductions are ordinary ops on top. The gradient is the true derivative in
// log_probs: -sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) - lp_t(c) - log p). (PyTorch's kernel adds
// exp(lp_t(c)), which is the same once it passes back through log_softmax, where the golden tests check.)
#include "strata/ops/ctc.h"

#include <cmath>
#include <limits>
#include <vector>

#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// Loss of one sequence; fills grad [T_in, C] (row stride `row`) when grad is non-null.
double ctc_one(const double* lp, int64_t row, int64_t T, int64_t C, const std::vector<int64_t>& label,
               int64_t blank, double* grad) {
  const auto L = static_cast<int64_t>(label.size());
  const int64_t S = 2 * L + 1;
  auto sym = [&](int64_t s) { return s % 2 == 0 ? blank : label[static_cast<size_t>(s / 2)]; };
  // s may skip from s - 2 when l'_s is a label different from l'_{s-2}.
  auto skips = [&](int64_t s) { return s >= 2 && s % 2 == 1 && sym(s) != sym(s - 2); };
  std::vector<double> alpha(static_cast<size_t>(T * S), kNegInf), beta(static_cast<size_t>(T * S), kNegInf);
  auto A = [&](int64_t t, int64_t s) -> double& { return alpha[static_cast<size_t>(t * S + s)]; };
  auto B = [&](int64_t t, int64_t s) -> double& { return beta[static_cast<size_t>(t * S + s)]; };
  auto at = [&](int64_t t, int64_t c) { return lp[t * row + c]; };
  A(0, 0) = at(0, blank);
  if (S > 1) A(0, 1) = at(0, sym(1));
  for (int64_t t = 1; t < T; ++t)
    for (int64_t s = 0; s < S; ++s) {
      double a = A(t - 1, s);
      if (s >= 1) a = log_add(a, A(t - 1, s - 1));
      if (skips(s)) a = log_add(a, A(t - 1, s - 2));
      A(t, s) = a == kNegInf ? kNegInf : a + at(t, sym(s));
    }
  const double ll = S > 1 ? log_add(A(T - 1, S - 1), A(T - 1, S - 2)) : A(T - 1, S - 1);
  if (!grad || ll == kNegInf) return -ll;
  B(T - 1, S - 1) = at(T - 1, blank);
  if (S > 1) B(T - 1, S - 2) = at(T - 1, sym(S - 2));
  for (int64_t t = T - 2; t >= 0; --t)
    for (int64_t s = 0; s < S; ++s) {
      double b = B(t + 1, s);
      if (s + 1 < S) b = log_add(b, B(t + 1, s + 1));
      if (s + 2 < S && skips(s + 2)) b = log_add(b, B(t + 1, s + 2));
      B(t, s) = b == kNegInf ? kNegInf : b + at(t, sym(s));
    }
  std::vector<double> occupancy(static_cast<size_t>(C));
  for (int64_t t = 0; t < T; ++t) {
    std::fill(occupancy.begin(), occupancy.end(), kNegInf);
    for (int64_t s = 0; s < S; ++s) {
      double& o = occupancy[static_cast<size_t>(sym(s))];
      o = log_add(o, A(t, s) + B(t, s));
    }
    for (int64_t c = 0; c < C; ++c) {
      const double o = occupancy[static_cast<size_t>(c)];
      grad[t * C + c] = o == kNegInf ? 0.0 : -std::exp(o - ll - at(t, c));
    }
  }
  return -ll;
}

std::vector<int64_t> lengths_of(const Tensor& t, const char* what, int64_t n) {
  STRATA_CHECK(t.defined() && !t.is_floating_point() && t.dim() <= 1 && t.numel() == n,
               "ctc_loss: {} must be integer [{}] (one per sequence), got {}", what, n,
               t.defined() ? fmt::format("{} {}", dtype_name(t.dtype()), t.shape().str()) : "undefined");
  return t.to_vector<int64_t>();
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossOptions& options) {
  STRATA_CHECK(
      log_probs.defined() && log_probs.is_floating_point() && (log_probs.dim() == 3 || log_probs.dim() == 2),
      "ctc_loss: log_probs must be floating [T, N, C] or [T, C], got {}",
      log_probs.defined() ? fmt::format("{} {}", dtype_name(log_probs.dtype()), log_probs.shape().str())
                          : "undefined");
  const bool batched = log_probs.dim() == 3;
  const Tensor lp3 = batched ? log_probs : log_probs.unsqueeze(1);
  const int64_t T = lp3.size(0), N = lp3.size(1), C = lp3.size(2);
  STRATA_CHECK(options.blank >= 0 && options.blank < C, "ctc_loss: blank {} is not a class of C = {}",
               options.blank, C);
  STRATA_CHECK(targets.defined() && !targets.is_floating_point() && targets.dim() <= 2,
               "ctc_loss: targets must be integer [N, S] or concatenated [sum(target_lengths)], got {}",
               targets.defined() ? fmt::format("{} {}", dtype_name(targets.dtype()), targets.shape().str())
                                 : "undefined");
  const auto in_len = lengths_of(input_lengths, "input_lengths", N);
  const auto tg_len = lengths_of(target_lengths, "target_lengths", N);
  const auto tg = targets.to_vector<int64_t>();
  const bool padded = targets.dim() == 2 && batched;
  if (padded)
    STRATA_CHECK(targets.size(0) == N, "ctc_loss: targets has {} rows for a batch of {} (log_probs {})",
                 targets.size(0), N, log_probs.shape().str());
  const bool want_grad = autograd::needs_grad({log_probs});
  const Tensor lp = lp3.contiguous().to(kFloat64);
  const double* p = lp.data_ptr<double>();
  std::vector<double> losses(static_cast<size_t>(N));
  std::vector<double> grad(want_grad ? static_cast<size_t>(T * N * C) : 0, 0.0);
  int64_t offset = 0;
  for (int64_t b = 0; b < N; ++b) {
    const int64_t Tb = in_len[static_cast<size_t>(b)], Lb = tg_len[static_cast<size_t>(b)];
    STRATA_CHECK(Tb >= 1 && Tb <= T, "ctc_loss: input_lengths[{}] = {} is outside [1, {}] (log_probs {})", b,
                 Tb, T, log_probs.shape().str());
    const int64_t start = padded ? b * targets.size(1) : offset;
    STRATA_CHECK(Lb >= 0 && (padded ? Lb <= targets.size(1) : start + Lb <= static_cast<int64_t>(tg.size())),
                 "ctc_loss: target_lengths[{}] = {} overruns targets of shape {}", b, Lb,
                 targets.shape().str());
    std::vector<int64_t> label(tg.begin() + start, tg.begin() + start + Lb);
    for (int64_t c : label)
      STRATA_CHECK(c >= 0 && c < C && c != options.blank,
                   "ctc_loss: target {} of sequence {} is not a non-blank class in [0, {}) (blank {})", c, b,
                   C, options.blank);
    offset += Lb;
    std::vector<double> g(want_grad ? static_cast<size_t>(Tb * C) : 0);
    double loss = ctc_one(p + b * C, N * C, Tb, C, label, options.blank, want_grad ? g.data() : nullptr);
    const bool impossible = std::isinf(loss);
    if (impossible && options.zero_infinity) loss = 0.0;
    losses[static_cast<size_t>(b)] = loss;
    if (want_grad && !impossible)
      for (int64_t t = 0; t < Tb; ++t)
        for (int64_t c = 0; c < C; ++c)
          grad[static_cast<size_t>((t * N + b) * C + c)] = g[static_cast<size_t>(t * C + c)];
    if (want_grad && impossible && !options.zero_infinity)
      for (int64_t t = 0; t < Tb; ++t)
        for (int64_t c = 0; c < C; ++c)
          grad[static_cast<size_t>((t * N + b) * C + c)] = std::numeric_limits<double>::quiet_NaN();
  }
  Tensor per_seq = from_vector(losses, {N}).to(log_probs.dtype());
  if (want_grad) {
    const Tensor saved = from_vector(grad, {T, N, C}).to(log_probs.dtype());
    const Shape in_shape = log_probs.shape();
    per_seq = autograd::record("ctc_loss", per_seq, {log_probs}, [saved, in_shape, N](const Tensor& g) {
      return autograd::Grads{(saved * g.reshape({1, N, 1})).reshape(in_shape)};
    });
  }
  switch (options.reduction) {
    case Reduction::None:
      return batched ? per_seq : per_seq.squeeze(0);
    case Reduction::Sum:
      return sum(per_seq);
    case Reduction::Mean: {
      std::vector<double> divisor(tg_len.begin(), tg_len.end());
      for (double& d : divisor) d = std::max(d, 1.0);
      return mean(per_seq / from_vector(divisor, {N}).to(log_probs.dtype()));
    }
  }
  return per_seq;
}

}  // namespace strata::ops
