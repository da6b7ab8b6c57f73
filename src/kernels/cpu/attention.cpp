// CPU fused scaled-dot-product attention, flash-attention style.
//
// Plan. The leading dims of q, k, v (and the mask) are one flat batch index bh; each operand reaches its
// [rows, features] matrix of bh through a precomputed offset and its own strides, so transposed, sliced
// and broadcast (stride-0) views need no copy. The bodies (attention_impl.h) are compiled twice, for AVX2
// and for AVX-512 (picked at run time), around one register-tiled micro-kernel (gemm: six rows of A
// broadcast against two vectors of B per step) that runs on zero-padded tiles, so it has no column tails.
//
// Forward, many queries: every key block's k^T and v are packed once into tiles; then, in parallel over
// (bh, block of 64 queries), for each key block S = q k^T (one product), per row scale, mask (u8,
// additive, causal, padding columns) and an online softmax update: running max m and sum l, the output
// accumulator rescaled by exp(m_old - m_new), P = exp(S - m_new) in place, O += P v (second product).
// Causal attention stops at the last key block any row of the block can see. Only out and the row
// logsumexp lse = m + log(l) are kept; the L x S scores never exist in full.
// Forward, few queries (decoding, L < 16): per (bh, row), scores are dot products straight from k, one
// softmax over the visible keys, out = sum_j p_j v_j straight from v: no packing, memory-bound on k, v.
//
// Backward, parallel over bh (each thread owns that bh's dq, dk, dv, so no reductions across threads):
// q, dO, k, k^T and v^T are packed once, D = rowsum(dO * O); then per (key block, query block)
// P = exp(S - lse) is recomputed, dV += P^T dO, dP = dO v^T, dS = P (dP - D), dQ += scale dS k,
// dK += scale dS^T q (five products on the same micro-kernel).
//
// Fully masked rows: m stays -inf and l = 0, so the output row is 0 and lse = +inf, which makes the
// recomputed P exactly 0 in backward (exp(s - inf) = 0 for every s, -inf included): no NaN anywhere.
#include "kernels/cpu/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {
namespace {

// One operand's layout: the offset of each bh's matrix and the strides of its last two dims.
struct Operand {
  std::vector<int64_t> offset;
  int64_t rs = 0, cs = 0;
};

Operand operand(const Tensor& t, int64_t batch) {
  Operand o;
  const int64_t nd = t.dim();
  o.rs = t.strides()[static_cast<size_t>(nd - 2)];
  o.cs = t.strides()[static_cast<size_t>(nd - 1)];
  o.offset.resize(static_cast<size_t>(batch));
  for (int64_t bh = 0; bh < batch; ++bh) {
    int64_t rest = bh, off = 0;
    for (int64_t d = nd - 3; d >= 0; --d) {
      const int64_t size = t.shape()[static_cast<size_t>(d)];
      off += (rest % size) * t.strides()[static_cast<size_t>(d)];
      rest /= size;
    }
    o.offset[static_cast<size_t>(bh)] = off;
  }
  return o;
}

// What turns a block of raw scores into scaled, masked scores.
template <typename T>
struct Masking {
  T scale;
  bool causal;
  int64_t L, S;
  const uint8_t* bool_mask = nullptr;  // the mask's data (one of the two), reached through `mask`
  const T* add_mask = nullptr;
  Operand mask;
};

// The number of keys any of rows i0 .. i0 + rows may see (all S unless causal).
int64_t visible_keys(bool causal, int64_t i0, int64_t rows, int64_t L, int64_t S) {
  if (!causal) return S;
  return std::clamp<int64_t>(i0 + rows + (S - L), 0, S);
}

// One attention call in kernel terms: sizes, operand layouts and data, masking, and whether to use threads.
template <typename T>
struct Problem {
  int64_t batch, L, S, E, Ev;
  Operand q, k, v;
  const T *qd, *kd, *vd;
  Masking<T> mk;
  bool parallel;
};

template <typename T>
Problem<T> problem(const AttentionArgs& a) {
  Problem<T> pb;
  const int64_t nd = a.q.dim();
  pb.batch = 1;
  for (int64_t i = 0; i < nd - 2; ++i) pb.batch *= a.q.shape()[static_cast<size_t>(i)];
  pb.L = a.q.shape()[static_cast<size_t>(nd - 2)];
  pb.E = a.q.shape()[static_cast<size_t>(nd - 1)];
  pb.S = a.k.shape()[static_cast<size_t>(nd - 2)];
  pb.Ev = a.v.shape()[static_cast<size_t>(nd - 1)];
  pb.q = operand(a.q, pb.batch);
  pb.k = operand(a.k, pb.batch);
  pb.v = operand(a.v, pb.batch);
  pb.qd = a.q.data_ptr<T>();
  pb.kd = a.k.data_ptr<T>();
  pb.vd = a.v.data_ptr<T>();
  pb.mk.scale = static_cast<T>(a.scale);
  pb.mk.causal = a.is_causal;
  pb.mk.L = pb.L;
  pb.mk.S = pb.S;
  if (a.mask.defined()) {
    pb.mk.mask = operand(a.mask, pb.batch);
    if (a.mask.dtype() == kUInt8) {
      pb.mk.bool_mask = a.mask.data_ptr<uint8_t>();
    } else {
      pb.mk.add_mask = a.mask.data_ptr<T>();
    }
  }
  // Below ~16k multiply-adds the threads cost more than they save.
  pb.parallel =
      omp_get_max_threads() > 1 && !omp_in_parallel() && pb.batch * pb.L * pb.S * (pb.E + pb.Ev) >= 16384;
  return pb;
}

// The kernels for the build's baseline ISA (AVX2) ...
namespace avx2 {
#define STRATA_ATTENTION_VEC_BYTES 32
#include "kernels/cpu/attention_impl.h"
#undef STRATA_ATTENTION_VEC_BYTES
}  // namespace avx2

// ... and for AVX-512, taken when the CPU has it (oneDNN's matmuls use it too, and the unfused path with
// them).
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl")
namespace avx512 {
#define STRATA_ATTENTION_VEC_BYTES 64
#include "kernels/cpu/attention_impl.h"
#undef STRATA_ATTENTION_VEC_BYTES
}  // namespace avx512
#pragma GCC pop_options

// AVX-512 when the CPU has it and STRATA_NO_AVX512 is unset (set it to run the AVX2 build on such a CPU).
bool has_avx512() {
  static const bool yes = !std::getenv("STRATA_NO_AVX512") && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return yes;
}

Shape with_tail(const Tensor& like, int64_t rows, int64_t cols) {
  Shape s;
  for (int64_t d = 0; d + 2 < like.dim(); ++d) s.push_back(like.shape()[static_cast<size_t>(d)]);
  s.push_back(rows);
  s.push_back(cols);
  return s;
}

}  // namespace

AttentionForward attention_forward(const AttentionArgs& args) {
  const int64_t nd = args.q.dim();
  const int64_t L = args.q.shape()[static_cast<size_t>(nd - 2)],
                Ev = args.v.shape()[static_cast<size_t>(nd - 1)];
  int64_t batch = 1;
  for (int64_t d = 0; d + 2 < nd; ++d) batch *= args.q.shape()[static_cast<size_t>(d)];
  AttentionForward r;
  r.out = empty(with_tail(args.q, L, Ev), args.q.dtype(), args.q.device());
  r.lse = empty(Shape{batch, L}, args.q.dtype(), args.q.device());
  dispatch_floating(args.q.dtype(), "scaled_dot_product_attention", [&]<typename T>() {
    const Problem<T> pb = problem<T>(args);
    if (pb.batch == 0 || pb.L == 0) return;
    const bool wide = has_avx512();
    const int64_t n = wide ? avx512::forward_scratch(pb) : avx2::forward_scratch(pb);
    const Tensor scratch = empty(Shape{n}, args.q.dtype(), args.q.device());
    T* buf = scratch.data_ptr<T>();
    if (wide) {
      avx512::forward(pb, r.out.data_ptr<T>(), r.lse.data_ptr<T>(), buf);
    } else {
      avx2::forward(pb, r.out.data_ptr<T>(), r.lse.data_ptr<T>(), buf);
    }
  });
  return r;
}

AttentionGrads attention_backward(const AttentionArgs& args, const Tensor& out, const Tensor& lse,
                                  const Tensor& grad_out, bool need_mask_grad) {
  const int64_t nd = args.q.dim();
  const int64_t L = args.q.shape()[static_cast<size_t>(nd - 2)],
                E = args.q.shape()[static_cast<size_t>(nd - 1)];
  const int64_t S = args.k.shape()[static_cast<size_t>(nd - 2)],
                Ev = args.v.shape()[static_cast<size_t>(nd - 1)];
  const Dtype dt = args.q.dtype();
  const Device dev = args.q.device();
  AttentionGrads g;
  g.dq = empty(with_tail(args.q, L, E), dt, dev);
  g.dk = empty(with_tail(args.q, S, E), dt, dev);
  g.dv = empty(with_tail(args.q, S, Ev), dt, dev);
  if (need_mask_grad) {
    // Entries of key blocks a causal row skips are never written: start from zeros.
    g.dmask = empty(with_tail(args.q, L, S), dt, dev);
    fill(g.dmask, 0.0);
  }
  const Tensor oc = out.is_contiguous() ? out : out.contiguous();
  dispatch_floating(dt, "scaled_dot_product_attention backward", [&]<typename T>() {
    const Problem<T> pb = problem<T>(args);
    if (pb.batch == 0) return;
    const Operand go = operand(grad_out, pb.batch);
    T* dmask = need_mask_grad ? g.dmask.data_ptr<T>() : nullptr;
    const bool wide = has_avx512();
    const int64_t n = wide ? avx512::backward_scratch(pb) : avx2::backward_scratch(pb);
    const Tensor scratch = empty(Shape{n}, dt, dev);
    if (wide) {
      avx512::backward(pb, oc.data_ptr<T>(), lse.data_ptr<T>(), go, grad_out.data_ptr<T>(),
                       g.dq.data_ptr<T>(), g.dk.data_ptr<T>(), g.dv.data_ptr<T>(), dmask,
                       scratch.data_ptr<T>());
    } else {
      avx2::backward(pb, oc.data_ptr<T>(), lse.data_ptr<T>(), go, grad_out.data_ptr<T>(), g.dq.data_ptr<T>(),
                     g.dk.data_ptr<T>(), g.dv.data_ptr<T>(), dmask, scratch.data_ptr<T>());
    }
  });
  return g;
}

}  // namespace strata::kernels::cpu
