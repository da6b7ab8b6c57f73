// The fused attention kernels' bodies, written once for one vector width: kernels/cpu/attention.cpp
// includes this file twice, into namespace avx2 (32-byte vectors, the build's baseline ISA) and into
// namespace avx512 (64-byte vectors, compiled under `#pragma GCC target` and chosen at run time), so there is
// no include guard. STRATA_ATTENTION_VEC_BYTES gives the vector width; the includer provides Operand,
// Masking, visible_keys, vexp and the standard headers. See the plan at the top of attention.cpp.

constexpr int kVecBytes = STRATA_ATTENTION_VEC_BYTES;
constexpr int64_t kPad = 2 * kVecBytes / 4;  // tile widths: a multiple of two f32 vectors (four f64 ones)
constexpr int64_t kBlockQ = 64;              // query rows per block
constexpr int64_t kBlockK = 64;              // keys per block (a multiple of kPad)
constexpr int kRowTile =
    kVecBytes == 64 ? 12 : 6;        // rows of A held in registers (2 per vector register... see gemm)
constexpr int64_t kFewQueries = 16;  // below this many queries, rows take the dot-product path

inline int64_t padded(int64_t n) { return (n + kPad - 1) / kPad * kPad; }

template <typename T>
struct Vec {
  static constexpr int kWidth = kVecBytes / static_cast<int>(sizeof(T));
  typedef T V __attribute__((vector_size(kVecBytes)));
};

// C[r][n] (+)= sum_k A(r, k) B[k][n] for r < R, n < N (N a multiple of kPad), with A(r, k) = a[r * am + k *
// ak], B rows ldb apart and C rows ldc apart. The 2R accumulators stay in registers across the k loop.
template <typename T, int R, bool kAcc>
void gemm_rows(int64_t N, int64_t K, const T* a, int64_t am, int64_t ak, const T* b, int64_t ldb, T* c,
               int64_t ldc) {
  using V = typename Vec<T>::V;
  constexpr int W = Vec<T>::kWidth;
  for (int64_t n = 0; n < N; n += 2 * W) {
    V acc[R][2];
    for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = V{};
    const T* bp = b + n;
    const T* ap = a;
    for (int64_t kk = 0; kk < K; ++kk, bp += ldb, ap += ak) {
      V b0, b1;
      std::memcpy(&b0, bp, sizeof(V));
      std::memcpy(&b1, bp + W, sizeof(V));
      for (int r = 0; r < R; ++r) {
        const V av = V{} + ap[r * am];
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    for (int r = 0; r < R; ++r) {
      T* cp = c + r * ldc + n;
      if constexpr (kAcc) {
        V c0, c1;
        std::memcpy(&c0, cp, sizeof(V));
        std::memcpy(&c1, cp + W, sizeof(V));
        acc[r][0] += c0;
        acc[r][1] += c1;
      }
      std::memcpy(cp, &acc[r][0], sizeof(V));
      std::memcpy(cp + W, &acc[r][1], sizeof(V));
    }
  }
}

// The last M < R rows of a product (see gemm).
template <typename T, bool kAcc, int R>
void gemm_tail(int64_t M, int64_t N, int64_t K, const T* a, int64_t am, int64_t ak, const T* b, int64_t ldb,
               T* c, int64_t ldc) {
  if constexpr (R > 0) {
    if (M == R) {
      gemm_rows<T, R, kAcc>(N, K, a, am, ak, b, ldb, c, ldc);
    } else {
      gemm_tail<T, kAcc, R - 1>(M, N, K, a, am, ak, b, ldb, c, ldc);
    }
  }
}

// C (+)= A B for M rows: kRowTile rows at a time through gemm_rows, then the rest.
template <typename T, bool kAcc>
void gemm(int64_t M, int64_t N, int64_t K, const T* a, int64_t am, int64_t ak, const T* b, int64_t ldb, T* c,
          int64_t ldc) {
  int64_t m = 0;
  for (; m + kRowTile <= M; m += kRowTile)
    gemm_rows<T, kRowTile, kAcc>(N, K, a + m * am, am, ak, b, ldb, c + m * ldc, ldc);
  if (m < M) gemm_tail<T, kAcc, kRowTile - 1>(M - m, N, K, a + m * am, am, ak, b, ldb, c + m * ldc, ldc);
}

// dst[r][c] = src(r, c) for r < rows, c < cols, zero up to width; src(r, c) = src[r * sr + c * sc].
template <typename T>
void pack_rows(T* dst, int64_t width, const T* src, int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  for (int64_t r = 0; r < rows; ++r) {
    T* d = dst + r * width;
    const T* s = src + r * sr;
    if (sc == 1) {
      std::memcpy(d, s, static_cast<size_t>(cols) * sizeof(T));
    } else {
      for (int64_t c = 0; c < cols; ++c) d[c] = s[c * sc];
    }
    std::fill(d + cols, d + width, T(0));
  }
}

// Transposes the N x N block at src (rows sr apart) into dst (rows ld apart), N = 32 / sizeof(T): three
// rounds of two-vector shuffles (8 x 8 floats, 4 x 4 doubles) instead of N * N scattered stores.
template <typename T>
void transpose_block(T* dst, int64_t ld, const T* src, int64_t sr) {
  typedef T V __attribute__((vector_size(32)));
  if constexpr (sizeof(T) == 4) {
    typedef int32_t M __attribute__((vector_size(32)));
    V r[8], t[8], u[8];
    for (int i = 0; i < 8; ++i) std::memcpy(&r[i], src + i * sr, sizeof(V));
    for (int i = 0; i < 8; i += 2) {
      t[i] = __builtin_shuffle(r[i], r[i + 1], M{0, 8, 2, 10, 4, 12, 6, 14});      // even columns
      t[i + 1] = __builtin_shuffle(r[i], r[i + 1], M{1, 9, 3, 11, 5, 13, 7, 15});  // odd columns
    }
    for (int i = 0; i < 8; i += 4) {
      for (int o = 0; o < 2; ++o) {
        u[i + o] = __builtin_shuffle(t[i + o], t[i + o + 2], M{0, 1, 8, 9, 4, 5, 12, 13});
        u[i + o + 2] = __builtin_shuffle(t[i + o], t[i + o + 2], M{2, 3, 10, 11, 6, 7, 14, 15});
      }
    }
    // u[c] holds columns c and c + 4 of rows 0-3 (u[0..3]) or rows 4-7 (u[4..7]).
    for (int c = 0; c < 4; ++c) {
      const V lo = __builtin_shuffle(u[c], u[c + 4], M{0, 1, 2, 3, 8, 9, 10, 11});
      const V hi = __builtin_shuffle(u[c], u[c + 4], M{4, 5, 6, 7, 12, 13, 14, 15});
      std::memcpy(dst + c * ld, &lo, sizeof(V));
      std::memcpy(dst + (c + 4) * ld, &hi, sizeof(V));
    }
  } else {
    typedef int64_t M __attribute__((vector_size(32)));
    V r[4], t[4];
    for (int i = 0; i < 4; ++i) std::memcpy(&r[i], src + i * sr, sizeof(V));
    for (int i = 0; i < 4; i += 2) {
      t[i] = __builtin_shuffle(r[i], r[i + 1], M{0, 4, 2, 6});
      t[i + 1] = __builtin_shuffle(r[i], r[i + 1], M{1, 5, 3, 7});
    }
    const V c0 = __builtin_shuffle(t[0], t[2], M{0, 1, 4, 5}),
            c2 = __builtin_shuffle(t[0], t[2], M{2, 3, 6, 7});
    const V c1 = __builtin_shuffle(t[1], t[3], M{0, 1, 4, 5}),
            c3 = __builtin_shuffle(t[1], t[3], M{2, 3, 6, 7});
    std::memcpy(dst, &c0, sizeof(V));
    std::memcpy(dst + ld, &c1, sizeof(V));
    std::memcpy(dst + 2 * ld, &c2, sizeof(V));
    std::memcpy(dst + 3 * ld, &c3, sizeof(V));
  }
}

// dst[c][r] = src(r, c) (a transpose) for r < rows, c < cols, zero from column rows up to width.
template <typename T>
void pack_transposed(T* dst, int64_t width, const T* src, int64_t rows, int64_t cols, int64_t sr,
                     int64_t sc) {
  for (int64_t c = 0; c < cols; ++c) std::fill(dst + c * width + rows, dst + (c + 1) * width, T(0));
  constexpr int64_t N = 32 / sizeof(T);
  int64_t r0 = 0;
  if (sc == 1) {
    for (; r0 + N <= rows; r0 += N) {
      int64_t c0 = 0;
      for (; c0 + N <= cols; c0 += N) transpose_block(dst + c0 * width + r0, width, src + r0 * sr + c0, sr);
      for (int64_t r = r0; r < r0 + N; ++r)
        for (int64_t c = c0; c < cols; ++c) dst[c * width + r] = src[r * sr + c];
    }
  }
  for (int64_t r = r0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * width + r] = src[r * sr + c * sc];
}

// Row i of a score block holding keys j0 .. j0 + cols (padded to cp columns): scale, add or apply the
// mask, block future keys when causal, and set padding columns to -inf.
template <typename T>
void mask_row(const Masking<T>& m, int64_t bh, int64_t i, int64_t j0, int64_t cols, int64_t cp, T* s) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const T scale = m.scale;
#pragma omp simd
  for (int64_t j = 0; j < cols; ++j) s[j] *= scale;
  if (m.add_mask) {
    const T* mk = m.add_mask + m.mask.offset[static_cast<size_t>(bh)] + i * m.mask.rs + j0 * m.mask.cs;
    const int64_t cs = m.mask.cs;
    if (cs == 1) {
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) s[j] += mk[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) s[j] += mk[j * cs];
    }
  } else if (m.bool_mask) {
    const uint8_t* mk = m.bool_mask + m.mask.offset[static_cast<size_t>(bh)] + i * m.mask.rs + j0 * m.mask.cs;
    const int64_t cs = m.mask.cs;
    if (cs == 1) {
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) s[j] = mk[j] ? s[j] : kNegInf;
    } else {
      for (int64_t j = 0; j < cols; ++j) s[j] = mk[j * cs] ? s[j] : kNegInf;
    }
  }
  if (m.causal) {
    const int64_t last = i + (m.S - m.L) - j0;  // the last column this row may see
    for (int64_t j = std::max<int64_t>(last + 1, 0); j < cols; ++j) s[j] = kNegInf;
  }
  for (int64_t j = cols; j < cp; ++j) s[j] = kNegInf;
}

// Consecutive slices of one thread's part of a scratch buffer (from strata's caching allocator, so repeated
// calls reuse memory instead of page-faulting fresh allocations).
template <typename T>
struct Carve {
  T* p;
  T* take(int64_t n) {
    T* r = p;
    p += n;
    return r;
  }
};

// The threads a parallel region of `pb` may use (1 when it runs serially).
template <typename T>
int64_t threads_of(const Problem<T>& pb) {
  return pb.parallel ? omp_get_max_threads() : 1;
}

// Sum of the lanes of a vector.
template <typename T>
T lane_sum(const typename Vec<T>::V& x) {
  T s = 0;
  for (int l = 0; l < Vec<T>::kWidth; ++l) s += x[l];
  return s;
}

// out[j] = dot(q, k_j) for n rows k_j = k + j * ldk of E contiguous values; four rows at a time, so four
// independent accumulator chains hide the FMA latency.
template <typename T>
void dot_rows(const T* q, const T* k, int64_t ldk, int64_t n, int64_t E, T* out) {
  using V = typename Vec<T>::V;
  constexpr int W = Vec<T>::kWidth;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const T* k0 = k + j * ldk;
    V acc[4] = {V{}, V{}, V{}, V{}};
    int64_t e = 0;
    for (; e + W <= E; e += W) {
      V qv;
      std::memcpy(&qv, q + e, sizeof(V));
      for (int r = 0; r < 4; ++r) {
        V kv;
        std::memcpy(&kv, k0 + r * ldk + e, sizeof(V));
        acc[r] += qv * kv;
      }
    }
    for (int r = 0; r < 4; ++r) {
      T s = lane_sum<T>(acc[r]);
      for (int64_t t = e; t < E; ++t) s += q[t] * k0[r * ldk + t];
      out[j + r] = s;
    }
  }
  for (; j < n; ++j) {
    const T* kj = k + j * ldk;
    T s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t e = 0; e < E; ++e) s += q[e] * kj[e];
    out[j] = s;
  }
}

// out[e] = sum_j p[j] v_j[e] for n rows v_j = v + j * ldv of Ev contiguous values; up to four vectors of
// out stay in registers while the rows stream past.
template <typename T>
void weighted_rows(const T* p, const T* v, int64_t ldv, int64_t n, int64_t Ev, T* out) {
  using V = typename Vec<T>::V;
  constexpr int W = Vec<T>::kWidth;
  int64_t e0 = 0;
  for (; e0 + 4 * W <= Ev; e0 += 4 * W) {
    V acc[4] = {V{}, V{}, V{}, V{}};
    for (int64_t j = 0; j < n; ++j) {
      const V pv = V{} + p[j];
      const T* vj = v + j * ldv + e0;
      for (int c = 0; c < 4; ++c) {
        V x;
        std::memcpy(&x, vj + c * W, sizeof(V));
        acc[c] += pv * x;
      }
    }
    std::memcpy(out + e0, acc, sizeof(acc));
  }
  for (; e0 + W <= Ev; e0 += W) {
    V acc{};
    for (int64_t j = 0; j < n; ++j) {
      V x;
      std::memcpy(&x, v + j * ldv + e0, sizeof(V));
      acc += (V{} + p[j]) * x;
    }
    std::memcpy(out + e0, &acc, sizeof(V));
  }
  for (int64_t e = e0; e < Ev; ++e) {
    T s = 0;
    for (int64_t j = 0; j < n; ++j) s += p[j] * v[j * ldv + e];
    out[e] = s;
  }
}

// Few queries (decoding): each row computes its n visible scores as dot products straight from k (no
// packing), one softmax over them, and out = sum_j p_j v_j straight from v. Memory-bound on k and v.
template <typename T>
void forward_rows(const Problem<T>& pb, T* out, T* lse, T* scratch) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const int64_t L = pb.L, S = pb.S, E = pb.E, Ev = pb.Ev, units = pb.batch * L;
  const bool parallel = pb.parallel && units > 1;
#pragma omp parallel if (parallel)
  {
    Carve<T> c{scratch + omp_get_thread_num() * (S + Ev)};
    T* const sc = c.take(S);
    T* const a = c.take(Ev);
#pragma omp for schedule(dynamic)
    for (int64_t u = 0; u < units; ++u) {
      const int64_t bh = u / L, i = u % L;
      const size_t b = static_cast<size_t>(bh);
      const T* qi = pb.qd + pb.q.offset[b] + i * pb.q.rs;
      const T* kb = pb.kd + pb.k.offset[b];
      const T* vb = pb.vd + pb.v.offset[b];
      const int64_t n = visible_keys(pb.mk.causal, i, 1, L, S), qs = pb.q.cs, ks = pb.k.cs, vs = pb.v.cs;
      if (qs == 1 && ks == 1) {
        dot_rows(qi, kb, pb.k.rs, n, E, sc);
      } else {
        for (int64_t j = 0; j < n; ++j) {
          const T* kj = kb + j * pb.k.rs;
          T s = 0;
          for (int64_t e = 0; e < E; ++e) s += qi[e * qs] * kj[e * ks];
          sc[j] = s;
        }
      }
      mask_row(pb.mk, bh, i, 0, n, n, sc);
      T m = kNegInf;
#pragma omp simd reduction(max : m)
      for (int64_t j = 0; j < n; ++j) m = sc[j] > m ? sc[j] : m;
      T* dst = out + (bh * L + i) * Ev;
      if (m == kNegInf) {  // every key masked
        std::fill(dst, dst + Ev, T(0));
        lse[bh * L + i] = std::numeric_limits<T>::infinity();
        continue;
      }
      T l = 0;
#pragma omp simd reduction(+ : l)
      for (int64_t j = 0; j < n; ++j) {
        const T p = vexp(static_cast<T>(sc[j] - m));
        sc[j] = p;
        l += p;
      }
      if (vs == 1) {
        weighted_rows(sc, vb, pb.v.rs, n, Ev, a);
      } else {
        std::fill(a, a + Ev, T(0));
        for (int64_t j = 0; j < n; ++j)
          for (int64_t e = 0; e < Ev; ++e) a[e] += sc[j] * vb[j * pb.v.rs + e * vs];
      }
      const T inv = T(1) / l;
#pragma omp simd
      for (int64_t e = 0; e < Ev; ++e) dst[e] = a[e] * inv;
      lse[bh * L + i] = m + std::log(l);
    }
  }
}

// Many queries: blocks of queries against packed key blocks (see the plan in attention.cpp). kt_all and
// v_all are scratch for every (bh, key block)'s packed k^T [E, kBlockK] and v [kBlockK, Evp] tiles.
template <typename T>
void forward_blocks(const Problem<T>& pb, T* out, T* lse, T* kt_all, T* v_all, T* scratch) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const int64_t L = pb.L, S = pb.S, E = pb.E, Ev = pb.Ev, Evp = padded(Ev);
  const int64_t kblocks = (S + kBlockK - 1) / kBlockK, qblocks = (L + kBlockQ - 1) / kBlockQ;
  const int64_t kt_size = E * kBlockK, v_size = kBlockK * Evp;
  const Masking<T>& mk = pb.mk;
  // Pack every key block once; the query blocks of a bh all read them.
  const int64_t tiles = pb.batch * kblocks;
#pragma omp parallel for schedule(static) if (pb.parallel && tiles > 1)
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t bh = t / kblocks, j0 = (t % kblocks) * kBlockK, cols = std::min(kBlockK, S - j0);
    const size_t b = static_cast<size_t>(bh);
    pack_transposed(kt_all + t * kt_size, padded(cols), pb.kd + pb.k.offset[b] + j0 * pb.k.rs, cols, E,
                    pb.k.rs, pb.k.cs);
    pack_rows(v_all + t * v_size, Evp, pb.vd + pb.v.offset[b] + j0 * pb.v.rs, cols, Ev, pb.v.rs, pb.v.cs);
  }
  const int64_t units = pb.batch * qblocks;
#pragma omp parallel if (pb.parallel && units > 1)
  {
    Carve<T> c{scratch + omp_get_thread_num() * (kBlockQ * (kBlockK + Evp + 2))};
    T* const sc = c.take(kBlockQ * kBlockK);
    T* const acc = c.take(kBlockQ * Evp);
    T* const mrow = c.take(kBlockQ);
    T* const lrow = c.take(kBlockQ);
#pragma omp for schedule(dynamic)
    for (int64_t u = 0; u < units; ++u) {
      const int64_t bh = u / qblocks, i0 = (u % qblocks) * kBlockQ, rows = std::min(kBlockQ, L - i0);
      const T* qa = pb.qd + pb.q.offset[static_cast<size_t>(bh)] + i0 * pb.q.rs;
      std::fill(acc, acc + rows * Evp, T(0));
      std::fill(mrow, mrow + kBlockQ, kNegInf);
      std::fill(lrow, lrow + kBlockQ, T(0));
      const int64_t keys = visible_keys(mk.causal, i0, rows, L, S);
      for (int64_t j0 = 0; j0 < keys; j0 += kBlockK) {
        const int64_t cols = std::min(kBlockK, S - j0), cp = padded(cols);
        const int64_t tile = bh * kblocks + j0 / kBlockK;
        gemm<T, false>(rows, cp, E, qa, pb.q.rs, pb.q.cs, kt_all + tile * kt_size, cp, sc, cp);
        for (int64_t r = 0; r < rows; ++r) {
          T* s = sc + r * cp;
          mask_row(mk, bh, i0 + r, j0, cols, cp, s);
          T mb = kNegInf;
#pragma omp simd reduction(max : mb)
          for (int64_t j = 0; j < cols; ++j) mb = s[j] > mb ? s[j] : mb;
          const T mold = mrow[r];
          const T mnew = std::max(mold, mb);
          if (mnew == kNegInf) {  // nothing visible yet in this row
            std::fill(s, s + cp, T(0));
            continue;
          }
          const T alpha = mold == kNegInf ? T(0) : std::exp(mold - mnew);
          T sum = 0;
#pragma omp simd reduction(+ : sum)
          for (int64_t j = 0; j < cp; ++j) {
            const T p = vexp(static_cast<T>(s[j] - mnew));
            s[j] = p;
            sum += p;
          }
          lrow[r] = lrow[r] * alpha + sum;
          mrow[r] = mnew;
          if (alpha != T(1)) {
            T* o = acc + r * Evp;
#pragma omp simd
            for (int64_t e = 0; e < Evp; ++e) o[e] *= alpha;
          }
        }
        gemm<T, true>(rows, Evp, cols, sc, cp, 1, v_all + tile * v_size, Evp, acc, Evp);
      }
      for (int64_t r = 0; r < rows; ++r) {
        const T l = lrow[r];
        const T inv = l > T(0) ? T(1) / l : T(0);
        const T* o = acc + r * Evp;
        T* dst = out + (bh * L + i0 + r) * Ev;
#pragma omp simd
        for (int64_t e = 0; e < Ev; ++e) dst[e] = o[e] * inv;
        lse[bh * L + i0 + r] = l > T(0) ? mrow[r] + std::log(l) : std::numeric_limits<T>::infinity();
      }
    }
  }
}

// Scratch elements forward needs: packed k^T and v tiles (many queries) and each thread's working rows.
template <typename T>
int64_t forward_scratch(const Problem<T>& pb) {
  if (pb.L < kFewQueries) return threads_of(pb) * (pb.S + pb.Ev);
  const int64_t tiles = pb.batch * ((pb.S + kBlockK - 1) / kBlockK);
  return tiles * kBlockK * (pb.E + padded(pb.Ev)) + threads_of(pb) * kBlockQ * (kBlockK + padded(pb.Ev) + 2);
}

template <typename T>
void forward(const Problem<T>& pb, T* out, T* lse, T* scratch) {
  if (pb.L < kFewQueries) {
    forward_rows(pb, out, lse, scratch);
  } else {
    const int64_t tiles = pb.batch * ((pb.S + kBlockK - 1) / kBlockK);
    T* kt_all = scratch;
    T* v_all = kt_all + tiles * pb.E * kBlockK;
    forward_blocks(pb, out, lse, kt_all, v_all, v_all + tiles * kBlockK * padded(pb.Ev));
  }
}

// Scratch elements one thread of backward needs (see backward).
template <typename T>
int64_t backward_thread_scratch(const Problem<T>& pb) {
  const int64_t Ep = padded(pb.E), Evp = padded(pb.Ev), Sp = padded(pb.S) + kPad;
  return 2 * pb.L * Ep + pb.L * Evp + 2 * pb.S * Ep + (pb.E + pb.Ev) * Sp + pb.S * Evp + pb.L +
         2 * kBlockQ * kBlockK;
}

template <typename T>
int64_t backward_scratch(const Problem<T>& pb) {
  return threads_of(pb) * backward_thread_scratch(pb);
}

template <typename T>
void backward(const Problem<T>& pb, const T* out, const T* lse, const Operand& g, const T* gd, T* dq, T* dk,
              T* dv, T* dmask, T* scratch) {
  const int64_t L = pb.L, S = pb.S, E = pb.E, Ev = pb.Ev;
  const Masking<T>& mk = pb.mk;
  const T scale = mk.scale;
  // Rows of k^T and v^T are Sp apart, padded so that a power-of-two S does not put every row of a
  // transposing tile in the same cache set.
  const int64_t Ep = padded(E), Evp = padded(Ev), Sp = padded(S) + kPad;
#pragma omp parallel if (pb.parallel && pb.batch > 1)
  {
    Carve<T> c{scratch + omp_get_thread_num() * backward_thread_scratch(pb)};
    T* const qp = c.take(L * Ep);
    T* const gp = c.take(L * Evp);
    T* const kp = c.take(S * Ep);
    T* const kt = c.take(E * Sp);
    T* const vt = c.take(Ev * Sp);
    T* const dqa = c.take(L * Ep);
    T* const dka = c.take(S * Ep);
    T* const dva = c.take(S * Evp);
    T* const d = c.take(L);
    T* const p = c.take(kBlockQ * kBlockK);
    T* const dp = c.take(kBlockQ * kBlockK);
#pragma omp for schedule(dynamic)
    for (int64_t bh = 0; bh < pb.batch; ++bh) {
      const size_t b = static_cast<size_t>(bh);
      const T* kb = pb.kd + pb.k.offset[b];
      pack_rows(qp, Ep, pb.qd + pb.q.offset[b], L, E, pb.q.rs, pb.q.cs);
      pack_rows(gp, Evp, gd + g.offset[b], L, Ev, g.rs, g.cs);
      pack_rows(kp, Ep, kb, S, E, pb.k.rs, pb.k.cs);
      pack_transposed(kt, Sp, kb, S, E, pb.k.rs, pb.k.cs);
      pack_transposed(vt, Sp, pb.vd + pb.v.offset[b], S, Ev, pb.v.rs, pb.v.cs);
      std::fill(dqa, dqa + L * Ep, T(0));
      std::fill(dka, dka + S * Ep, T(0));
      std::fill(dva, dva + S * Evp, T(0));
      for (int64_t i = 0; i < L; ++i) {
        const T* o = out + (bh * L + i) * Ev;
        const T* gi = gp + i * Evp;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t e = 0; e < Ev; ++e) s += o[e] * gi[e];
        d[i] = s;
      }
      const T* lrow = lse + bh * L;
      for (int64_t j0 = 0; j0 < S; j0 += kBlockK) {
        const int64_t cols = std::min(kBlockK, S - j0), cp = padded(cols);
        for (int64_t i0 = 0; i0 < L; i0 += kBlockQ) {
          const int64_t rows = std::min(kBlockQ, L - i0);
          if (visible_keys(mk.causal, i0, rows, L, S) <= j0) continue;  // the whole block is in the future
          const T* qi = qp + i0 * Ep;
          const T* gi = gp + i0 * Evp;
          gemm<T, false>(rows, cp, E, qi, Ep, 1, kt + j0, Sp, p, cp);
          gemm<T, false>(rows, cp, Ev, gi, Evp, 1, vt + j0, Sp, dp, cp);
          for (int64_t r = 0; r < rows; ++r) {
            T* pr = p + r * cp;
            T* dr = dp + r * cp;
            mask_row(mk, bh, i0 + r, j0, cols, cp, pr);
            const T lr = lrow[i0 + r], dr0 = d[i0 + r];
#pragma omp simd
            for (int64_t j = 0; j < cp; ++j) {
              const T pj = vexp(static_cast<T>(pr[j] - lr));
              pr[j] = pj;
              dr[j] = pj * (dr[j] - dr0);  // dS, before the scale
            }
            if (dmask)
              std::memcpy(dmask + (bh * L + i0 + r) * S + j0, dr, static_cast<size_t>(cols) * sizeof(T));
#pragma omp simd
            for (int64_t j = 0; j < cp; ++j) dr[j] *= scale;
          }
          // dV += P^T dO, dQ += dS k, dK += dS^T q.
          gemm<T, true>(cols, Evp, rows, p, 1, cp, gi, Evp, dva + j0 * Evp, Evp);
          gemm<T, true>(rows, Ep, cols, dp, cp, 1, kp + j0 * Ep, Ep, dqa + i0 * Ep, Ep);
          gemm<T, true>(cols, Ep, rows, dp, 1, cp, qi, Ep, dka + j0 * Ep, Ep);
        }
      }
      pack_rows(dq + bh * L * E, E, dqa, L, E, Ep, 1);
      pack_rows(dk + bh * S * E, E, dka, S, E, Ep, 1);
      pack_rows(dv + bh * S * Ev, Ev, dva, S, Ev, Evp, 1);
    }
  }
}
