// Fused optimiser updates on the CPU: one loop over contiguous memory per parameter, with the options that
// change the arithmetic (weight decay, momentum, amsgrad, ...) turned into template flags so every variant
// is a branch-free loop the compiler vectorises. The order of operations follows PyTorch's reference
// implementation, so f64 results agree to rounding.
#include "kernels/cpu/optim.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/dispatch.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

// Calls body(begin, end) over [0, n), split across threads when n is large. Chunk edges fall on multiples
// of 64 elements so the vector body / scalar tail split does not depend on where a chunk starts.
template <typename Body>
void parallel_range(int64_t n, const Body& body) {
  const int threads = omp_get_max_threads();
  if (n < kElementwiseGrain || threads <= 1 || omp_in_parallel()) {
    body(int64_t{0}, n);
    return;
  }
  const int64_t chunks = std::min<int64_t>(threads, (n + kElementwiseGrain - 1) / kElementwiseGrain);
  const auto edge = [&](int64_t c) { return c == chunks ? n : (n * c / chunks) / 64 * 64; };
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) body(edge(c), edge(c + 1));
}

// Calls f(std::true_type{}) or f(std::false_type{}): turns a run-time flag into a compile-time one.
template <typename F>
void with_flag(bool flag, F&& f) {
  if (flag)
    f(std::true_type{});
  else
    f(std::false_type{});
}

template <typename T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

void check_operands(const char* op, const Tensor& param, std::initializer_list<const Tensor*> others) {
  STRATA_CHECK(param.is_contiguous(), "{}: the parameter must be contiguous", op);
  for (const Tensor* t : others) {
    if (!t->defined()) continue;
    STRATA_CHECK(t->is_contiguous() && t->shape() == param.shape() && t->dtype() == param.dtype(),
                 "{}: state of shape {} ({}) does not match the parameter's shape {} ({})", op,
                 t->shape().str(), dtype_name(t->dtype()), param.shape().str(), dtype_name(param.dtype()));
  }
}

// ---- SGD --------------------------------------------------------------------------------------------
template <typename T, bool kDecay, bool kMomentum, bool kNesterov, bool kInit>
void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t begin, int64_t end, T neg_lr,
              T wd, T momentum, T one_minus_dampening) {
  for (int64_t i = begin; i < end; ++i) {
    T d = g[i];
    if constexpr (kDecay) d = d + wd * p[i];
    if constexpr (kMomentum) {
      T b;
      if constexpr (kInit)
        b = d;
      else
        b = buf[i] * momentum + one_minus_dampening * d;
      buf[i] = b;
      if constexpr (kNesterov)
        d = d + momentum * b;
      else
        d = b;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

// ---- Adam / AdamW ---------------------------------------------------------------------------------------
enum class Decay { None, L2, Decoupled };

template <typename T, Decay kDecay, bool kAmsgrad>
void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
               int64_t begin, int64_t end, T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T wd,
               T param_scale, T bc2_sqrt, T eps, T neg_step_size) {
  for (int64_t i = begin; i < end; ++i) {
    T grad = g[i];
    T param = p[i];
    if constexpr (kDecay == Decay::L2) grad = grad + wd * param;
    if constexpr (kDecay == Decay::Decoupled) param = param * param_scale;
    const T mi = m[i] * beta1 + one_minus_beta1 * grad;
    const T vi = v[i] * beta2 + one_minus_beta2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if constexpr (kAmsgrad) {
      second = vmax[i] < vi ? vi : vmax[i];
      vmax[i] = second;
    }
    const T denom = std::sqrt(second) / bc2_sqrt + eps;
    p[i] = param + neg_step_size * mi / denom;
  }
}

// ---- RMSprop --------------------------------------------------------------------------------------------
template <typename T, bool kDecay, bool kCentered, bool kMomentum>
void rmsprop_loop(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict buf,
                  T* __restrict gavg, int64_t begin, int64_t end, T alpha, T one_minus_alpha, T wd, T eps,
                  T momentum, T neg_lr) {
  for (int64_t i = begin; i < end; ++i) {
    T grad = g[i];
    if constexpr (kDecay) grad = grad + wd * p[i];
    const T s = sq[i] * alpha + one_minus_alpha * grad * grad;
    sq[i] = s;
    T avg;
    if constexpr (kCentered) {
      const T ga = gavg[i] * alpha + one_minus_alpha * grad;
      gavg[i] = ga;
      avg = std::sqrt(s + T(-1) * ga * ga);
    } else {
      avg = std::sqrt(s);
    }
    avg = avg + eps;
    if constexpr (kMomentum) {
      const T b = buf[i] * momentum + grad / avg;
      buf[i] = b;
      p[i] = p[i] + neg_lr * b;
    } else {
      p[i] = p[i] + neg_lr * grad / avg;
    }
  }
}

// ---- Adagrad --------------------------------------------------------------------------------------------
template <typename T, bool kDecay>
void adagrad_loop(T* __restrict p, const T* __restrict g, T* __restrict sum, int64_t begin, int64_t end, T wd,
                  T eps, T neg_clr) {
  for (int64_t i = begin; i < end; ++i) {
    T grad = g[i];
    if constexpr (kDecay) grad = grad + wd * p[i];
    const T s = sum[i] + grad * grad;
    sum[i] = s;
    p[i] = p[i] + neg_clr * grad / (std::sqrt(s) + eps);
  }
}

// ---- norms ----------------------------------------------------------------------------------------------
enum class NormKind { L1, L2, Inf, P };

// Partial result of one chunk; eight accumulators keep the loop vectorisable without reassociating freely.
template <typename T, NormKind kKind>
double norm_chunk(const T* __restrict x, int64_t n, double p) {
  if constexpr (kKind == NormKind::Inf) {
    double m = 0;
    bool nan = false;
    for (int64_t i = 0; i < n; ++i) {
      const double a = std::abs(static_cast<double>(x[i]));
      m = a > m ? a : m;
      nan = nan | (a != a);
    }
    return nan ? std::numeric_limits<double>::quiet_NaN() : m;
  } else {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    const auto term = [p](double v) {
      if constexpr (kKind == NormKind::L1) return std::abs(v);
      if constexpr (kKind == NormKind::L2) return v * v;
      if constexpr (kKind == NormKind::P) return std::pow(std::abs(v), p);
    };
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += term(static_cast<double>(x[i + k]));
    for (; i < n; ++i) acc[0] += term(static_cast<double>(x[i]));
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  }
}

template <typename T, NormKind kKind>
double norm_all(const T* x, int64_t n, double p) {
  constexpr int64_t kChunk = 16384;  // fixed, so the summation order is independent of the thread count
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(chunks));
  const auto run = [&](int64_t c) {
    const int64_t b = c * kChunk;
    partial[static_cast<size_t>(c)] = norm_chunk<T, kKind>(x + b, std::min(kChunk, n - b), p);
  };
  if (n < kElementwiseGrain || omp_get_max_threads() <= 1 || omp_in_parallel()) {
    for (int64_t c = 0; c < chunks; ++c) run(c);
  } else {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) run(c);
  }
  double total = 0;
  bool nan = false;
  for (double v : partial) {
    if constexpr (kKind == NormKind::Inf) {
      total = v > total ? v : total;
      nan = nan | (v != v);
    } else {
      total += v;
    }
  }
  return nan ? std::numeric_limits<double>::quiet_NaN() : total;
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buffer, const SgdStep& s) {
  check_operands("sgd_step", param, {&grad, &buffer});
  const bool momentum = s.momentum != 0;
  STRATA_CHECK(!momentum || buffer.defined(), "sgd_step: momentum needs a buffer");
  dispatch_floating(param.dtype(), "sgd_step", [&]<typename T>() {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* buf = momentum ? buffer.data_ptr<T>() : nullptr;
    with_flag(s.weight_decay != 0, [&](auto decay) {
      with_flag(momentum, [&](auto mom) {
        with_flag(momentum && s.nesterov, [&](auto nesterov) {
          with_flag(momentum && s.init_buffer, [&](auto init) {
            parallel_range(param.numel(), [&](int64_t b, int64_t e) {
              sgd_loop<T, decltype(decay)::value, decltype(mom)::value, decltype(nesterov)::value,
                       decltype(init)::value>(p, g, buf, b, e, static_cast<T>(-s.lr),
                                              static_cast<T>(s.weight_decay), static_cast<T>(s.momentum),
                                              static_cast<T>(1 - s.dampening));
            });
          });
        });
      });
    });
  });
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamStep& s) {
  check_operands("adam_step", param, {&grad, &exp_avg, &exp_avg_sq, &max_exp_avg_sq});
  STRATA_CHECK(!s.amsgrad || max_exp_avg_sq.defined(), "adam_step: amsgrad needs max_exp_avg_sq");
  const double step = static_cast<double>(s.step);
  const double bias_correction1 = 1 - std::pow(s.beta1, step);
  const double bias_correction2 = 1 - std::pow(s.beta2, step);
  const double step_size = s.lr / bias_correction1;
  const double bc2_sqrt = std::sqrt(bias_correction2);
  const Decay decay = s.decoupled ? Decay::Decoupled : (s.weight_decay != 0 ? Decay::L2 : Decay::None);
  dispatch_floating(param.dtype(), "adam_step", [&]<typename T>() {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = exp_avg.data_ptr<T>();
    T* v = exp_avg_sq.data_ptr<T>();
    T* vmax = ptr<T>(max_exp_avg_sq);
    const auto run = [&]<Decay kDecay, bool kAmsgrad>() {
      parallel_range(param.numel(), [&](int64_t b, int64_t e) {
        adam_loop<T, kDecay, kAmsgrad>(p, g, m, v, vmax, b, e, static_cast<T>(s.beta1),
                                       static_cast<T>(1 - s.beta1), static_cast<T>(s.beta2),
                                       static_cast<T>(1 - s.beta2), static_cast<T>(s.weight_decay),
                                       static_cast<T>(1 - s.lr * s.weight_decay), static_cast<T>(bc2_sqrt),
                                       static_cast<T>(s.eps), static_cast<T>(-step_size));
      });
    };
    with_flag(s.amsgrad, [&](auto ams) {
      constexpr bool kAms = decltype(ams)::value;
      switch (decay) {
        case Decay::None:
          return run.template operator()<Decay::None, kAms>();
        case Decay::L2:
          return run.template operator()<Decay::L2, kAms>();
        case Decay::Decoupled:
          return run.template operator()<Decay::Decoupled, kAms>();
      }
    });
  });
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& momentum_buffer, const Tensor& grad_avg, const RmspropStep& s) {
  check_operands("rmsprop_step", param, {&grad, &square_avg, &momentum_buffer, &grad_avg});
  const bool momentum = s.momentum > 0;
  STRATA_CHECK(!momentum || momentum_buffer.defined(), "rmsprop_step: momentum needs a buffer");
  STRATA_CHECK(!s.centered || grad_avg.defined(), "rmsprop_step: centered needs grad_avg");
  dispatch_floating(param.dtype(), "rmsprop_step", [&]<typename T>() {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* sq = square_avg.data_ptr<T>();
    T* buf = momentum ? momentum_buffer.data_ptr<T>() : nullptr;
    T* gavg = s.centered ? grad_avg.data_ptr<T>() : nullptr;
    with_flag(s.weight_decay != 0, [&](auto decay) {
      with_flag(s.centered, [&](auto centered) {
        with_flag(momentum, [&](auto mom) {
          parallel_range(param.numel(), [&](int64_t b, int64_t e) {
            rmsprop_loop<T, decltype(decay)::value, decltype(centered)::value, decltype(mom)::value>(
                p, g, sq, buf, gavg, b, e, static_cast<T>(s.alpha), static_cast<T>(1 - s.alpha),
                static_cast<T>(s.weight_decay), static_cast<T>(s.eps), static_cast<T>(s.momentum),
                static_cast<T>(-s.lr));
          });
        });
      });
    });
  });
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradStep& s) {
  check_operands("adagrad_step", param, {&grad, &sum});
  dispatch_floating(param.dtype(), "adagrad_step", [&]<typename T>() {
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* acc = sum.data_ptr<T>();
    with_flag(s.weight_decay != 0, [&](auto decay) {
      parallel_range(param.numel(), [&](int64_t b, int64_t e) {
        adagrad_loop<T, decltype(decay)::value>(p, g, acc, b, e, static_cast<T>(s.weight_decay),
                                                static_cast<T>(s.eps), static_cast<T>(-s.clr));
      });
    });
  });
}

double norm_accumulate(const Tensor& t, double p) {
  STRATA_CHECK(t.is_contiguous(), "norm_accumulate: the tensor must be contiguous");
  return dispatch_floating(t.dtype(), "norm_accumulate", [&]<typename T>() -> double {
    const T* x = t.data_ptr<T>();
    const int64_t n = t.numel();
    if (std::isinf(p)) return norm_all<T, NormKind::Inf>(x, n, p);
    if (p == 1) return norm_all<T, NormKind::L1>(x, n, p);
    if (p == 2) return norm_all<T, NormKind::L2>(x, n, p);
    return norm_all<T, NormKind::P>(x, n, p);
  });
}

void scale_(const Tensor& t, double factor) {
  STRATA_CHECK(t.is_contiguous(), "scale_: the tensor must be contiguous");
  dispatch_floating(t.dtype(), "scale_", [&]<typename T>() {
    T* __restrict x = t.data_ptr<T>();
    const T f = static_cast<T>(factor);
    parallel_range(t.numel(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) x[i] = x[i] * f;
    });
  });
}

void clamp_(const Tensor& t, double lo, double hi) {
  STRATA_CHECK(t.is_contiguous(), "clamp_: the tensor must be contiguous");
  dispatch_floating(t.dtype(), "clamp_", [&]<typename T>() {
    T* __restrict x = t.data_ptr<T>();
    const T l = static_cast<T>(lo), h = static_cast<T>(hi);
    parallel_range(t.numel(), [&](int64_t b, int64_t e) {
      // std::max(x, l) keeps a NaN x (the comparison is false), as does std::min.
      for (int64_t i = b; i < e; ++i) x[i] = std::min(std::max(x[i], l), h);
    });
  });
}

}  // namespace strata::kernels::cpu
