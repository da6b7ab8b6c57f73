// CPU recurrent layers. Each step is one hidden product (kernels::matmul: oneDNN for f32, OpenBLAS for
// f64) followed by one fused pass over the batch rows that applies the gate nonlinearities, updates the
// state and saves what backward needs. Rows past a sequence's length keep their state and output zero,
// which gives packed-sequence semantics without reordering the batch. Backward walks the steps in reverse,
// writing the gate gradients of every step into one [T, B, G*H] buffer so the weight gradients can be
// formed afterwards by single large products. Batch rows never interact, so with several threads each
// thread takes a share of the rows and runs the whole sequence on them inside one parallel region: no
// barrier per step (a machine shared with other work makes per-step barriers very costly).
#include "kernels/cpu/rnn.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <type_traits>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "kernels/linalg.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

// Cells per step below which a layer runs on one thread (each cell costs several exps plus its share of
// the step's product), and the fewest batch rows a thread takes (its per-step product has that many rows).
constexpr int64_t kRnnGrain = 4096;
constexpr int64_t kMinRowsPerThread = 4;

template <typename T>
inline T sigmoid(T x) {
  return T(1) / (T(1) + vexp(-x));
}

template <typename T>
inline T tanh_v(T x) {
  return T(2) / (T(1) + vexp(T(-2) * x)) - T(1);
}

struct Dims {
  int64_t steps, batch, hidden, out, gh;  // T, B, H, P, G*H
  bool lstm, gru, proj;
};

// Sizes from the weights plus the step and batch counts (backward gets them from the saved states).
Dims dims_of(const RnnArgs& a, int64_t steps, int64_t batch) {
  Dims d{};
  d.steps = steps;
  d.batch = batch;
  d.gh = a.w_hh.shape()[0];
  d.hidden = d.gh / rnn_gate_count(a.mode);
  d.out = a.w_hh.shape()[1];
  d.lstm = a.mode == RnnMode::Lstm;
  d.gru = a.mode == RnnMode::Gru;
  d.proj = a.w_hr.defined();
  return d;
}

// Values saved per row and step: vanilla h; LSTM i, f, g, o; GRU r, z, n, W_hn h + b_hn.
int64_t saved_width(const Dims& d) { return d.lstm || d.gru ? 4 * d.hidden : d.hidden; }

// A [rows, cols] row-major view of `buf` at element `offset` (kernel-internal: no autograd, no checks).
Tensor matrix(const Tensor& buf, int64_t offset, int64_t rows, int64_t cols) {
  return Tensor(make_intrusive<TensorImpl>(buf.impl()->storage, Shape{rows, cols}, Strides{cols, 1},
                                           buf.offset() + offset, buf.dtype()));
}

// The transpose of a contiguous [r, c] matrix as a [c, r] view.
Tensor transposed(const Tensor& w) {
  return Tensor(make_intrusive<TensorImpl>(w.impl()->storage, Shape{w.shape()[1], w.shape()[0]},
                                           Strides{1, w.shape()[1]}, w.offset(), w.dtype()));
}

// ---- forward rows ---------------------------------------------------------------------------------

// LSTM cell for one row. Without projection h and out receive o * tanh(c); with it, h is the
// projection's input m and out is unused.
template <typename T, bool kProj>
void lstm_row(const T* __restrict gx, const T* __restrict gh, const T* __restrict cp, T* __restrict gates,
              T* __restrict cn, T* __restrict tanh_c, T* __restrict h, T* __restrict out, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = sigmoid(gx[j] + gh[j]);
    const T f = sigmoid(gx[H + j] + gh[H + j]);
    const T g = tanh_v(gx[2 * H + j] + gh[2 * H + j]);
    const T o = sigmoid(gx[3 * H + j] + gh[3 * H + j]);
    const T c = f * cp[j] + i * g;
    const T tc = tanh_v(c);
    gates[j] = i;
    gates[H + j] = f;
    gates[2 * H + j] = g;
    gates[3 * H + j] = o;
    cn[j] = c;
    tanh_c[j] = tc;
    h[j] = o * tc;
    if constexpr (!kProj) out[j] = o * tc;
  }
}

// GRU cell for one row: n = tanh(x_n + r * (W_hn h + b_hn)), h' = (1 - z) n + z h.
template <typename T>
void gru_row(const T* __restrict gx, const T* __restrict gh, const T* __restrict hp, T* __restrict gates,
             T* __restrict h, T* __restrict out, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = sigmoid(gx[j] + gh[j]);
    const T z = sigmoid(gx[H + j] + gh[H + j]);
    const T ghn = gh[2 * H + j];
    const T n = tanh_v(gx[2 * H + j] + r * ghn);
    const T hv = n + z * (hp[j] - n);
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    gates[3 * H + j] = ghn;
    h[j] = hv;
    out[j] = hv;
  }
}

template <typename T, bool kRelu>
void vanilla_row(const T* __restrict gx, const T* __restrict gh, T* __restrict gates, T* __restrict h,
                 T* __restrict out, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T pre = gx[j] + gh[j];
    const T hv = kRelu ? (pre > T(0) ? pre : T(0)) : tanh_v(pre);
    gates[j] = hv;
    h[j] = hv;
    out[j] = hv;
  }
}

// The forward recurrence for batch rows [b0, b1): rows never interact, so each thread runs the whole
// sequence for its own rows with no synchronisation between steps.
template <typename T>
void forward_rows(const RnnArgs& a, const Dims& d, const RnnSaved& s, bool save, int64_t b0, int64_t b1) {
  const int64_t T_ = d.steps, B = d.batch, H = d.hidden, P = d.out, GH = d.gh, W = saved_width(d),
                nb = b1 - b0;
  T* out = s.packed.data_ptr<T>();
  T* hn = out + T_ * B * P;
  T* cn = hn + B * P;
  const T* gx = a.gx.data_ptr<T>();
  const int64_t* len = a.lengths.defined() ? a.lengths.data_ptr<int64_t>() : nullptr;
  T* hprev = s.hprev.data_ptr<T>();
  T* cprev = d.lstm ? s.cprev.data_ptr<T>() : nullptr;
  T* gates = s.gates.data_ptr<T>();
  T* tanh_c = d.lstm ? s.tanh_c.data_ptr<T>() : nullptr;
  T* m = d.proj ? s.m.data_ptr<T>() : nullptr;
  const Tensor w_hh_t = transposed(a.w_hh);
  const Tensor w_hr_t = d.proj ? transposed(a.w_hr) : Tensor();

  for (int64_t k = 0; k < T_; ++k) {
    const int64_t t = a.reverse ? T_ - 1 - k : k;
    const int64_t tn = a.reverse ? t - 1 : t + 1;
    const bool last = k == T_ - 1;
    const int64_t slot = save ? t : 0;
    T* hp = hprev + t * B * P;
    T* hnext = last ? hn : hprev + tn * B * P;
    T* cp = d.lstm ? cprev + t * B * H : nullptr;
    T* cnext = d.lstm ? (last ? cn : cprev + tn * B * H) : nullptr;
    T* out_t = out + t * B * P;
    T* gates_t = gates + slot * B * W;
    T* tanh_t = d.lstm ? tanh_c + slot * B * H : nullptr;
    T* m_t = d.proj ? m + slot * B * H : nullptr;
    const Tensor gh_t = kernels::matmul(matrix(s.hprev, (t * B + b0) * P, nb, P), w_hh_t, a.b_hh);
    const T* gh = gh_t.data_ptr<T>() - b0 * GH;  // indexed by absolute row

    for (int64_t b = b0; b < b1; ++b) {
      if (len && t >= len[b]) {
        // Past this sequence's end: the state carries over and the output is zero.
        std::memcpy(hnext + b * P, hp + b * P, sizeof(T) * P);
        std::memset(out_t + b * P, 0, sizeof(T) * P);
        if (d.lstm) std::memcpy(cnext + b * H, cp + b * H, sizeof(T) * H);
        if (d.proj) std::memset(m_t + b * H, 0, sizeof(T) * H);
        continue;
      }
      const T* gxr = gx + (t * B + b) * GH;
      const T* ghr = gh + b * GH;
      T* gr = gates_t + b * W;
      switch (a.mode) {
        case RnnMode::Lstm:
          if (d.proj) {
            lstm_row<T, true>(gxr, ghr, cp + b * H, gr, cnext + b * H, tanh_t + b * H, m_t + b * H, nullptr,
                              H);
          } else {
            lstm_row<T, false>(gxr, ghr, cp + b * H, gr, cnext + b * H, tanh_t + b * H, hnext + b * P,
                               out_t + b * P, H);
          }
          break;
        case RnnMode::Gru:
          gru_row<T>(gxr, ghr, hp + b * P, gr, hnext + b * P, out_t + b * P, H);
          break;
        case RnnMode::Relu:
          vanilla_row<T, true>(gxr, ghr, gr, hnext + b * P, out_t + b * P, H);
          break;
        case RnnMode::Tanh:
          vanilla_row<T, false>(gxr, ghr, gr, hnext + b * P, out_t + b * P, H);
          break;
      }
    }

    if (d.proj) {
      const Tensor hr_t = kernels::matmul(matrix(s.m, (slot * B + b0) * H, nb, H), w_hr_t);
      const T* hr = hr_t.data_ptr<T>() - b0 * P;
      for (int64_t b = b0; b < b1; ++b) {
        if (len && t >= len[b]) continue;
        std::memcpy(hnext + b * P, hr + b * P, sizeof(T) * P);
        std::memcpy(out_t + b * P, hr + b * P, sizeof(T) * P);
      }
    }
  }
}

// ---- backward rows --------------------------------------------------------------------------------

// LSTM gate gradients for one row; dm is the gradient of o * tanh(c) (or dh + dy without projection).
template <typename T, bool kProj>
void lstm_back_row(const T* __restrict dh, const T* __restrict dy, const T* __restrict dmp,
                   const T* __restrict gates, const T* __restrict cp, const T* __restrict tanh_c,
                   T* __restrict dc, T* __restrict dg, T* __restrict carry, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T dm = kProj ? dmp[j] : dh[j] + dy[j];
    const T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const T tc = tanh_c[j];
    const T dct = dc[j] + dm * o * (T(1) - tc * tc);
    dg[j] = dct * g * i * (T(1) - i);
    dg[H + j] = dct * cp[j] * f * (T(1) - f);
    dg[2 * H + j] = dct * i * (T(1) - g * g);
    dg[3 * H + j] = dm * tc * o * (T(1) - o);
    dc[j] = dct * f;
    if constexpr (!kProj) carry[j] = T(0);
  }
}

template <typename T>
void gru_back_row(const T* __restrict dh, const T* __restrict dy, const T* __restrict gates,
                  const T* __restrict hp, T* __restrict dgx, T* __restrict dgh, T* __restrict carry,
                  int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T dht = dh[j] + dy[j];
    const T r = gates[j], z = gates[H + j], n = gates[2 * H + j], ghn = gates[3 * H + j];
    const T dn = dht * (T(1) - z) * (T(1) - n * n);
    const T dr = dn * ghn * r * (T(1) - r);
    const T dz = dht * (hp[j] - n) * z * (T(1) - z);
    dgx[j] = dr;
    dgx[H + j] = dz;
    dgx[2 * H + j] = dn;
    dgh[j] = dr;
    dgh[H + j] = dz;
    dgh[2 * H + j] = dn * r;
    carry[j] = dht * z;
  }
}

template <typename T, bool kRelu>
void vanilla_back_row(const T* __restrict dh, const T* __restrict dy, const T* __restrict h, T* __restrict dg,
                      T* __restrict carry, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T dht = dh[j] + dy[j];
    dg[j] = kRelu ? (h[j] > T(0) ? dht : T(0)) : dht * (T(1) - h[j] * h[j]);
    carry[j] = T(0);
  }
}

// Back-propagation through time for batch rows [b0, b1) (rows are independent here too). g holds the
// output buffers, dh0 and dc0 preloaded with the gradients of h_n and c_n.
template <typename T>
void backward_rows(const RnnArgs& a, const Dims& d, const RnnSaved& s, const Tensor& d_packed,
                   const RnnGrads& g, const Tensor& carry_t, int64_t b0, int64_t b1) {
  const int64_t T_ = d.steps, B = d.batch, H = d.hidden, P = d.out, GH = d.gh, W = saved_width(d),
                nb = b1 - b0;
  const T* dy_all = d_packed.data_ptr<T>();
  const int64_t* len = a.lengths.defined() ? a.lengths.data_ptr<int64_t>() : nullptr;
  const T* gates = s.gates.data_ptr<T>();
  const T* hprev = s.hprev.data_ptr<T>();
  const T* cprev = d.lstm ? s.cprev.data_ptr<T>() : nullptr;
  const T* tanh_c = d.lstm ? s.tanh_c.data_ptr<T>() : nullptr;
  T* dh = g.dh0.data_ptr<T>();
  T* dc = d.lstm ? g.dc0.data_ptr<T>() : nullptr;
  T* dgx = g.d_gx.data_ptr<T>();
  T* dgh = g.d_gh.data_ptr<T>();
  T* dh_all = d.proj ? g.dh_all.data_ptr<T>() : nullptr;
  T* carry = carry_t.data_ptr<T>();

  for (int64_t k = T_ - 1; k >= 0; --k) {
    const int64_t t = a.reverse ? T_ - 1 - k : k;
    const T* dy = dy_all + t * B * P;
    const T* gates_t = gates + t * B * W;
    T* dgx_t = dgx + t * B * GH;
    T* dgh_t = dgh + t * B * GH;

    // With a projection h = W_hr m: the gradient of m comes from one product per step.
    Tensor dm_t;
    const T* dm = nullptr;
    if (d.proj) {
      T* dha = dh_all + t * B * P;
      for (int64_t b = b0; b < b1; ++b) {
        const bool active = !len || t < len[b];
        for (int64_t j = 0; j < P; ++j) dha[b * P + j] = active ? dh[b * P + j] + dy[b * P + j] : T(0);
      }
      dm_t = kernels::matmul(matrix(g.dh_all, (t * B + b0) * P, nb, P), a.w_hr);
      dm = dm_t.data_ptr<T>() - b0 * H;
    }

    for (int64_t b = b0; b < b1; ++b) {
      if (len && t >= len[b]) {
        // A step past the sequence's end: no gate gradient, the state gradient passes straight through.
        std::memset(dgx_t + b * GH, 0, sizeof(T) * GH);
        if (d.gru) std::memset(dgh_t + b * GH, 0, sizeof(T) * GH);
        std::memcpy(carry + b * P, dh + b * P, sizeof(T) * P);
        continue;
      }
      const T* gr = gates_t + b * W;
      switch (a.mode) {
        case RnnMode::Lstm: {
          const T* cp = cprev + (t * B + b) * H;
          const T* tc = tanh_c + (t * B + b) * H;
          if (d.proj) {
            lstm_back_row<T, true>(nullptr, nullptr, dm + b * H, gr, cp, tc, dc + b * H, dgx_t + b * GH,
                                   nullptr, H);
            std::memset(carry + b * P, 0, sizeof(T) * P);
          } else {
            lstm_back_row<T, false>(dh + b * P, dy + b * P, nullptr, gr, cp, tc, dc + b * H, dgx_t + b * GH,
                                    carry + b * P, H);
          }
          break;
        }
        case RnnMode::Gru:
          gru_back_row<T>(dh + b * P, dy + b * P, gr, hprev + (t * B + b) * P, dgx_t + b * GH, dgh_t + b * GH,
                          carry + b * P, H);
          break;
        case RnnMode::Relu:
          vanilla_back_row<T, true>(dh + b * P, dy + b * P, gr, dgx_t + b * GH, carry + b * P, H);
          break;
        case RnnMode::Tanh:
          vanilla_back_row<T, false>(dh + b * P, dy + b * P, gr, dgx_t + b * GH, carry + b * P, H);
          break;
      }
    }

    // dh for the previous step: through W_hh plus the direct path (GRU's z * h, or a carried state).
    const Tensor back = kernels::matmul(matrix(g.d_gh, (t * B + b0) * GH, nb, GH), a.w_hh);
    const T* bp = back.data_ptr<T>() - b0 * P;
    for (int64_t i = b0 * P; i < b1 * P; ++i) dh[i] = bp[i] + carry[i];
  }
}

// Splits the batch rows over threads and runs fn(b0, b1) on each part inside one parallel region.
// Only f32 and large enough steps (f64 runs on OpenBLAS, which keeps its own threads).
template <typename T, typename F>
void over_rows(const Dims& d, F&& fn) {
  int n = 1;
  if (std::is_same_v<T, float> && d.batch * d.hidden >= kRnnGrain && !omp_in_parallel())
    n = static_cast<int>(std::min<int64_t>(get_num_threads(), d.batch / kMinRowsPerThread));
  if (n <= 1) {
    fn(0, d.batch);
    return;
  }
  std::exception_ptr error;
#pragma omp parallel num_threads(n)
  {
    const int64_t k = omp_get_thread_num(), parts = omp_get_num_threads();
    try {
      fn(d.batch * k / parts, d.batch * (k + 1) / parts);
    } catch (...) {
#pragma omp critical(strata_rnn_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

RnnSaved rnn_forward(const RnnArgs& a, bool save) {
  const Dims d = dims_of(a, a.gx.shape()[0], a.gx.shape()[1]);
  const Dtype dt = a.gx.dtype();
  const Device dev = a.gx.device();
  const int64_t slots = save ? d.steps : 1;
  RnnSaved s;
  s.packed = kernels::empty({d.steps * d.batch * d.out + d.batch * d.out + (d.lstm ? d.batch * d.hidden : 0)},
                            dt, dev);
  s.hprev = kernels::empty({d.steps, d.batch, d.out}, dt, dev);
  s.gates = kernels::empty({slots, d.batch, saved_width(d)}, dt, dev);
  if (d.lstm) {
    s.cprev = kernels::empty({d.steps, d.batch, d.hidden}, dt, dev);
    s.tanh_c = kernels::empty({slots, d.batch, d.hidden}, dt, dev);
  }
  if (d.proj) s.m = kernels::empty({slots, d.batch, d.hidden}, dt, dev);
  dispatch_floating(dt, "rnn", [&]<typename T>() {
    const int64_t first = a.reverse ? d.steps - 1 : 0;
    std::memcpy(s.hprev.data_ptr<T>() + first * d.batch * d.out, a.h0.data_ptr<T>(),
                sizeof(T) * d.batch * d.out);
    if (d.lstm)
      std::memcpy(s.cprev.data_ptr<T>() + first * d.batch * d.hidden, a.c0.data_ptr<T>(),
                  sizeof(T) * d.batch * d.hidden);
    over_rows<T>(d, [&](int64_t b0, int64_t b1) { forward_rows<T>(a, d, s, save, b0, b1); });
  });
  if (!save) {
    s.gates = s.hprev = s.cprev = s.tanh_c = s.m = Tensor();
  }
  return s;
}

RnnGrads rnn_backward(const RnnArgs& a, const RnnSaved& s, const Tensor& d_packed) {
  const Dims d = dims_of(a, s.hprev.shape()[0], s.hprev.shape()[1]);
  const Dtype dt = a.w_hh.dtype();
  const Device dev = a.w_hh.device();
  const int64_t T_ = d.steps, B = d.batch, H = d.hidden, P = d.out;
  Tensor dp = d_packed;
  if (!dp.is_contiguous()) {
    dp = kernels::empty(d_packed.shape(), d_packed.dtype(), d_packed.device());
    kernels::copy(dp, d_packed);
  }
  RnnGrads g;
  g.d_gx = kernels::empty({T_, B, d.gh}, dt, dev);
  g.d_gh = d.gru ? kernels::empty({T_, B, d.gh}, dt, dev) : g.d_gx;
  if (d.proj) g.dh_all = kernels::empty({T_, B, P}, dt, dev);
  // The running state gradients start as those of h_n and c_n and end as those of h0 and c0.
  g.dh0 = kernels::empty({B, P}, dt, dev);
  kernels::copy(g.dh0, matrix(dp, T_ * B * P, B, P));
  if (d.lstm) {
    g.dc0 = kernels::empty({B, H}, dt, dev);
    kernels::copy(g.dc0, matrix(dp, T_ * B * P + B * P, B, H));
  }
  const Tensor carry = kernels::empty({B, P}, dt, dev);
  dispatch_floating(dt, "rnn", [&]<typename T>() {
    over_rows<T>(d, [&](int64_t b0, int64_t b1) { backward_rows<T>(a, d, s, dp, g, carry, b0, b1); });
  });
  return g;
}

}  // namespace strata::kernels::cpu
