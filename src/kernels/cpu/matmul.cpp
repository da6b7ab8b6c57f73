// CPU matrix products. f32 runs on oneDNN's matmul primitive; f64 (gradient checks, reference) on
// OpenBLAS dgemm. Mixed precision (f32 operands, bf16 compute) rounds the operands to bf16 copies that
// keep their strides and runs oneDNN's bf16 matmul with f32 accumulation and an f32 result. Operands are
// described to both libraries by dims and strides, so transposed and sliced views run without copies; only
// layouts neither library can read (both matrix strides > 1, zero strides inside a matrix) are copied first.
// oneDNN primitives are cached per layout, so a repeated call costs a hash lookup plus the compute.
#include "kernels/cpu/matmul.h"

#include <cblas.h>
#include <omp.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

#include "kernels/cpu/bf16.h"
#include "kernels/cpu/conv_dnnl.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/allocator.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

using Dims = std::array<int64_t, kMaxDims>;

// A product in library terms: nd dims (>= 2, batch dims first), a [.., m, k] and b [.., k, n] with
// element strides, c contiguous. Batch dims broadcast: size 1 in a or b, the full size in c.
struct Problem {
  int nd = 0;
  Dims ad{}, as{}, bd{}, bs{}, cd{};
};

// Normalises the strides of an r x c matrix so both libraries can read it, and says whether they can:
// row-major (sc == 1, sr >= c) or column-major (sr == 1, sc >= r). Strides of size-1 dims are free.
bool normalize_matrix(int64_t r, int64_t c, int64_t& sr, int64_t& sc) {
  if (r == 1 && c == 1) {
    sr = sc = 1;
  } else if (c == 1) {
    sc = 1;  // a column: row-major with ld = sr
  } else if (r == 1) {
    if (sc == 1) {
      sr = c;
    } else {
      sr = 1;  // column-major with ld = sc
    }
  }
  if (sc == 1 && sr >= std::max<int64_t>(c, 1)) return true;
  return sr == 1 && sc >= std::max<int64_t>(r, 1);
}

// Right-aligns x's dims into nd dims, padding batch dims with size 1.
void place(const Tensor& x, int nd, Dims& dims, Dims& strides) {
  const int pad = nd - static_cast<int>(x.dim());
  for (int d = 0; d < nd; ++d) {
    dims[d] = d < pad ? 1 : x.shape()[d - pad];
    strides[d] = d < pad ? 0 : x.strides()[d - pad];
  }
}

// Gives size-1 batch dims the stride of a dense layout (their value is free; libraries prefer this).
void densify_unit_batch_strides(int nd, const Dims& dims, Dims& strides) {
  int64_t extent = std::max(dims[nd - 2] * strides[nd - 2], dims[nd - 1] * strides[nd - 1]);
  for (int d = nd - 3; d >= 0; --d) {
    if (dims[d] == 1) strides[d] = extent;
    extent = std::max(extent, dims[d] * strides[d]);
  }
}

// Describes a @ b as a Problem. Returns false (and says which operand) when an operand must be copied
// to a contiguous layout first.
bool describe(const Tensor& a, const Tensor& b, const Shape& out_shape, Problem& p, bool& copy_a,
              bool& copy_b) {
  const int nd = static_cast<int>(out_shape.size());
  p.nd = nd;
  place(a, nd, p.ad, p.as);
  place(b, nd, p.bd, p.bs);
  for (int d = 0; d < nd; ++d) p.cd[d] = out_shape[d];
  copy_a = !normalize_matrix(p.ad[nd - 2], p.ad[nd - 1], p.as[nd - 2], p.as[nd - 1]);
  copy_b = !normalize_matrix(p.bd[nd - 2], p.bd[nd - 1], p.bs[nd - 2], p.bs[nd - 1]);
  // An expanded (stride-0) batch dim reads one matrix; describe it as a broadcast size-1 dim when the
  // other operand carries the full size, else copy.
  for (int d = 0; d < nd - 2; ++d) {
    if (p.ad[d] > 1 && p.as[d] == 0) {
      if (p.bd[d] > 1 && p.bs[d] != 0) {
        p.ad[d] = 1;
      } else {
        copy_a = true;
      }
    }
    if (p.bd[d] > 1 && p.bs[d] == 0) {
      if (p.ad[d] > 1) {
        p.bd[d] = 1;
      } else {
        copy_b = true;
      }
    }
  }
  if (copy_a || copy_b) return false;
  densify_unit_batch_strides(nd, p.ad, p.as);
  densify_unit_batch_strides(nd, p.bd, p.bs);
  // b shared by every batch and a's batch rows evenly spaced: one 2-D product over all rows.
  bool b_shared = true;
  bool a_rows_chain = true;
  for (int d = 0; d < nd - 2; ++d) {
    b_shared = b_shared && p.bd[d] == 1;
    a_rows_chain = a_rows_chain && p.as[d] == p.as[d + 1] * p.ad[d + 1];
  }
  if (nd > 2 && b_shared && a_rows_chain) {
    int64_t rows = 1;
    for (int d = 0; d < nd - 1; ++d) rows *= p.ad[d];
    int64_t sr = p.as[nd - 2];
    int64_t sc = p.as[nd - 1];
    if (normalize_matrix(rows, p.ad[nd - 1], sr, sc)) {
      p.ad = {rows, p.ad[nd - 1]};
      p.as = {sr, sc};
      p.bd = {p.bd[nd - 2], p.bd[nd - 1]};
      p.bs = {p.bs[nd - 2], p.bs[nd - 1]};
      p.cd = {rows, p.cd[nd - 1]};
      p.nd = 2;
    }
  }
  return true;
}

// A contiguous copy (no autograd).
Tensor dense(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = kernels::empty(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return out;
}

// Describes a @ b into p, first copying to a contiguous layout the operands whose strides describe()
// cannot take (which it says).
void describe_copying(Tensor& a, Tensor& b, const Shape& out_shape, Problem& p) {
  bool copy_a = false;
  bool copy_b = false;
  if (describe(a, b, out_shape, p, copy_a, copy_b)) return;
  if (copy_a) a = dense(a);
  if (copy_b) b = dense(b);
  describe(a, b, out_shape, p, copy_a, copy_b);
}

// Fills every row of the [rows, n] tensor `out` with `bias` (or zeros).
template <typename T>
void fill_rows(T* out, int64_t rows, int64_t n, const Tensor& bias) {
  if (!bias.defined()) {
    std::memset(out, 0, static_cast<size_t>(rows * n) * sizeof(T));
    return;
  }
  const T* bp = bias.data_ptr<T>();
  const int64_t bst = bias.stride(0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) out[r * n + j] = bp[j * bst];
  }
}

// ---- oneDNN (f32) --------------------------------------------------------------------------------

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

struct Key {
  int nd = 0;
  int threads = 0;  // oneDNN sizes its work split when the primitive is created
  bool bias = false;
  bool bf16 = false;  // a and b in bf16 (the result stays f32)
  bool relu = false;  // a ReLU post-op on the result
  Dims ad{}, as{}, bd{}, bs{};

  bool operator==(const Key& o) const {
    return nd == o.nd && threads == o.threads && bias == o.bias && bf16 == o.bf16 && relu == o.relu &&
           ad == o.ad && as == o.as && bd == o.bd && bs == o.bs;
  }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](int64_t v) { h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull; };
    mix(k.nd);
    mix(k.threads);
    mix(k.bias);
    mix(k.bf16);
    mix(k.relu);
    for (int d = 0; d < k.nd; ++d) {
      mix(k.ad[d]);
      mix(k.as[d]);
      mix(k.bd[d]);
      mix(k.bs[d]);
    }
    return static_cast<size_t>(h);
  }
};

struct Primitive {
  dnnl::matmul prim;
  dnnl::memory::desc src, weights, bias, dst, scratchpad;
  size_t scratchpad_bytes = 0;
  bool reference = false;    // oneDNN fell back to its slow reference code for this layout
  bool native_bf16 = false;  // a bf16 primitive that runs on bf16 hardware (not a conversion fallback)
};

// Primitives by layout. Small and bounded: cleared when full (shapes in a model are few).
class PrimitiveCache {
 public:
  std::shared_ptr<const Primitive> find(const Key& k) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(k);
    return it == map_.end() ? nullptr : it->second;
  }
  void insert(const Key& k, std::shared_ptr<const Primitive> p) {
    std::lock_guard lock(mutex_);
    if (map_.size() >= kCapacity) map_.clear();
    map_.emplace(k, std::move(p));
  }

 private:
  static constexpr size_t kCapacity = 1024;
  std::mutex mutex_;
  std::unordered_map<Key, std::shared_ptr<const Primitive>, KeyHash> map_;
};

PrimitiveCache& cache() {
  static PrimitiveCache c;
  return c;
}

dnnl::memory::desc md(int nd, const Dims& dims, const Dims& strides,
                      dnnl::memory::data_type type = dnnl::memory::data_type::f32) {
  return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.begin() + nd), type,
                            dnnl::memory::dims(strides.begin(), strides.begin() + nd));
}

std::shared_ptr<const Primitive> create(const Problem& p, bool bias, bool bf16, bool relu) {
  auto out = std::make_shared<Primitive>();
  const int nd = p.nd;
  Dims cs{};
  int64_t acc = 1;
  for (int d = nd - 1; d >= 0; --d) {
    cs[d] = acc;
    acc *= p.cd[d];
  }
  const auto in_type = bf16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
  out->src = md(nd, p.ad, p.as, in_type);
  out->weights = md(nd, p.bd, p.bs, in_type);
  out->dst = md(nd, p.cd, cs);
  if (bias) {
    Dims bd{};
    Dims bst{};
    for (int d = 0; d < nd; ++d) {
      bd[d] = d == nd - 1 ? p.cd[d] : 1;
      bst[d] = d == nd - 1 ? 1 : p.cd[nd - 1];
    }
    out->bias = md(nd, bd, bst);
  }
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // from our allocator: thread-safe, reused
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(out->src, out->weights, out->bias, out->dst), attr,
                                  engine());
  out->reference = std::strncmp(pd.impl_info_str(), "ref", 3) == 0;
  out->native_bf16 = bf16 && native_bf16_impl(pd.impl_info_str());
  out->scratchpad = pd.scratchpad_desc();
  out->scratchpad_bytes = out->scratchpad.get_size();
  out->prim = dnnl::matmul(pd);
  return out;
}

// The cached primitive for p, created on first use; nullptr when oneDNN refuses the layout.
std::shared_ptr<const Primitive> lookup(const Problem& p, bool bias, bool bf16 = false, bool relu = false) {
  Key k;
  k.nd = p.nd;
  k.threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  k.bias = bias;
  k.bf16 = bf16;
  k.relu = relu;
  k.ad = p.ad;
  k.as = p.as;
  k.bd = p.bd;
  k.bs = p.bs;
  if (auto hit = cache().find(k)) return hit;
  std::shared_ptr<const Primitive> prim;
  try {
    prim = create(p, bias, bf16, relu);
  } catch (const dnnl::error&) {
    return nullptr;
  }
  cache().insert(k, prim);
  return prim;
}

struct Scratchpad {
  explicit Scratchpad(size_t n) : bytes(n), ptr(n ? cpu_allocator::allocate(n) : nullptr) {}
  ~Scratchpad() {
    if (ptr) cpu_allocator::deallocate(ptr, bytes);
  }
  Scratchpad(const Scratchpad&) = delete;
  Scratchpad& operator=(const Scratchpad&) = delete;
  size_t bytes;
  void* ptr;
};

// Memory objects bound to one primitive, kept per thread: creating dnnl::memory costs about as much
// as a small product, so calls only swap the data pointers.
struct Binding {
  std::shared_ptr<const Primitive> prim;
  dnnl::memory src, weights, bias, dst, scratchpad;
  std::unordered_map<int, dnnl::memory> args;
};

Binding& bind(const std::shared_ptr<const Primitive>& prim) {
  constexpr size_t kSlots = 16;
  thread_local std::array<Binding, kSlots> slots;
  thread_local size_t next = 0;
  for (Binding& b : slots) {
    if (b.prim == prim) return b;
  }
  Binding& b = slots[next];
  next = (next + 1) % kSlots;
  dnnl::engine& eng = engine();
  b = Binding{};
  b.prim = prim;
  b.src = dnnl::memory(prim->src, eng, nullptr);
  b.weights = dnnl::memory(prim->weights, eng, nullptr);
  b.dst = dnnl::memory(prim->dst, eng, nullptr);
  b.args = {{DNNL_ARG_SRC, b.src}, {DNNL_ARG_WEIGHTS, b.weights}, {DNNL_ARG_DST, b.dst}};
  if (!prim->bias.is_zero()) {
    b.bias = dnnl::memory(prim->bias, eng, nullptr);
    b.args.emplace(DNNL_ARG_BIAS, b.bias);
  }
  if (prim->scratchpad_bytes) {
    b.scratchpad = dnnl::memory(prim->scratchpad, eng, nullptr);
    b.args.emplace(DNNL_ARG_SCRATCHPAD, b.scratchpad);
  }
  return b;
}

// Runs prim on the data of a and b (f32 tensors, or their bf16 copies), bias and out.
void execute(const std::shared_ptr<const Primitive>& prim, const void* a, const void* b, const Tensor& bias,
             const Tensor& out) {
  Binding& binding = bind(prim);
  binding.src.set_data_handle(const_cast<void*>(a));
  binding.weights.set_data_handle(const_cast<void*>(b));
  binding.dst.set_data_handle(out.raw_data());
  if (bias.defined()) binding.bias.set_data_handle(bias.raw_data());
  // A per-call scratchpad from the caching allocator: primitives are shared between threads.
  Scratchpad scratch(prim->scratchpad_bytes);
  if (scratch.ptr) binding.scratchpad.set_data_handle(scratch.ptr);
  prim->prim.execute(stream(), binding.args);
  stream().wait();
}

// Products below dnnl_util::kSerialMacs multiply-adds run on the calling thread (see conv_dnnl.h).
using dnnl_util::kSerialMacs;
using dnnl_util::SerialScope;

void matmul_f32(Tensor a, Tensor b, Tensor bias, const Tensor& out, bool relu = false) {
  if (bias.defined() && bias.stride(0) != 1) bias = dense(bias);
  const SerialScope serial(out.numel() * a.size(-1) < kSerialMacs);
  Problem p;
  describe_copying(a, b, out.shape(), p);
  std::shared_ptr<const Primitive> prim = lookup(p, bias.defined(), false, relu);
  if (!prim || prim->reference) {
    // oneDNN has no fast kernel for these strides: contiguous operands always have one.
    const Tensor da = dense(a);
    const Tensor db = dense(b);
    if (!da.is_same(a) || !db.is_same(b)) {
      a = da;
      b = db;
      describe_copying(a, b, out.shape(), p);
      if (auto fast = lookup(p, bias.defined(), false, relu)) prim = fast;
    }
  }
  STRATA_CHECK(prim, "matmul: oneDNN has no kernel for shapes {} and {}", a.shape().str(), b.shape().str());
  execute(prim, a.raw_data(), b.raw_data(), bias, out);
}

// True when x's elements fill exactly numel() consecutive slots from its data pointer, in any dim order
// (contiguous, transposed, permuted): then a linear pass converts it and the copy keeps x's strides.
bool packed(const Tensor& x) {
  // (stride, size) of the dims larger than 1, sorted by stride (insertion sort: at most 8 of them).
  std::array<std::pair<int64_t, int64_t>, kMaxDims> dims{};
  size_t n = 0;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.shape()[d] <= 1) continue;
    size_t i = n++;
    for (; i > 0 && dims[i - 1].first > x.strides()[d]; --i) dims[i] = dims[i - 1];
    dims[i] = {x.strides()[d], x.shape()[d]};
  }
  int64_t expected = 1;
  for (size_t i = 0; i < n; ++i) {
    if (dims[i].first != expected) return false;
    expected *= dims[i].second;
  }
  return true;
}

// x's elements rounded to bf16, laid out as x's (which must be packed).
struct Bf16Copy {
  explicit Bf16Copy(const Tensor& x) : block(static_cast<size_t>(x.numel()) * sizeof(uint16_t)) {
    to_bf16(x.data_ptr<float>(), static_cast<uint16_t*>(block.ptr), x.numel());
  }
  Scratchpad block;
};

// Mixed precision: bf16 copies of a and b, f32 sums into the f32 out. Layouts without a native bf16
// kernel run in f32 instead.
void matmul_bf16(Tensor a, Tensor b, Tensor bias, const Tensor& out) {
  if (bias.defined() && bias.stride(0) != 1) bias = dense(bias);
  const SerialScope serial(out.numel() * a.size(-1) < kSerialMacs);
  Problem p;
  describe_copying(a, b, out.shape(), p);
  if (!packed(a) || !packed(b)) {
    if (!packed(a)) a = dense(a);
    if (!packed(b)) b = dense(b);
    describe_copying(a, b, out.shape(), p);
  }
  std::shared_ptr<const Primitive> prim = lookup(p, bias.defined(), /*bf16=*/true);
  if (!prim || !prim->native_bf16) {
    matmul_f32(a, b, bias, out);
    return;
  }
  const Bf16Copy a16(a);
  const Bf16Copy b16(b);
  execute(prim, a16.block.ptr, b16.block.ptr, bias, out);
}

// ---- OpenBLAS (f64) ------------------------------------------------------------------------------

// Keeps OpenBLAS's own thread pool at strata's thread count (other BLAS libraries have no such call; CMake
// checks for it).
void sync_blas_threads() {
#ifdef STRATA_HAVE_OPENBLAS_SET_NUM_THREADS
  static std::atomic<int> current{0};
  const int n = get_num_threads();
  if (current.exchange(n) != n) openblas_set_num_threads(n);
#endif
}

void matmul_f64(Tensor a, Tensor b, const Tensor& bias, const Tensor& out) {
  Problem p;
  describe_copying(a, b, out.shape(), p);
  sync_blas_threads();
  const int nd = p.nd;
  const int64_t m = p.cd[nd - 2];
  const int64_t n = p.cd[nd - 1];
  const int64_t k = p.ad[nd - 1];
  const bool ta = !(p.as[nd - 1] == 1 && p.as[nd - 2] >= std::max<int64_t>(k, 1));
  const bool tb = !(p.bs[nd - 1] == 1 && p.bs[nd - 2] >= std::max<int64_t>(n, 1));
  const int64_t lda = ta ? p.as[nd - 1] : p.as[nd - 2];
  const int64_t ldb = tb ? p.bs[nd - 1] : p.bs[nd - 2];
  const double* ap = a.data_ptr<double>();
  const double* bp = b.data_ptr<double>();
  double* cp = out.data_ptr<double>();
  int64_t batches = 1;
  for (int d = 0; d < nd - 2; ++d) batches *= p.cd[d];
  fill_rows(cp, batches * m, n, bias);
  const double beta = bias.defined() ? 1.0 : 0.0;
  Dims idx{};
  for (int64_t i = 0; i < batches; ++i) {
    int64_t ao = 0;
    int64_t bo = 0;
    for (int d = 0; d < nd - 2; ++d) {
      if (p.ad[d] > 1) ao += idx[d] * p.as[d];
      if (p.bd[d] > 1) bo += idx[d] * p.bs[d];
    }
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0, ap + ao,
                static_cast<blasint>(lda), bp + bo, static_cast<blasint>(ldb), beta, cp + i * m * n,
                static_cast<blasint>(n));
    for (int d = nd - 3; d >= 0; --d) {
      if (++idx[d] < p.cd[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& bias, Dtype compute) {
  STRATA_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: kernel needs 2-D or higher operands, got {} and {}",
               a.shape().str(), b.shape().str());
  STRATA_CHECK(a.dtype() == b.dtype() && (!bias.defined() || bias.dtype() == a.dtype()),
               "matmul: operands have different dtypes ({} and {})", dtype_name(a.dtype()),
               dtype_name(b.dtype()));
  const int64_t m = a.size(-2);
  const int64_t k = a.size(-1);
  const int64_t n = b.size(-1);
  STRATA_CHECK(b.size(-2) == k, "matmul: shapes {} and {} cannot be multiplied ({} != {})", a.shape().str(),
               b.shape().str(), k, b.size(-2));
  Shape batch_a(std::span<const int64_t>(a.shape().begin(), a.shape().end() - 2));
  Shape batch_b(std::span<const int64_t>(b.shape().begin(), b.shape().end() - 2));
  Shape out_shape = broadcast_shapes(batch_a, batch_b, "matmul");
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = kernels::empty(out_shape, a.dtype(), a.device());
  if (out.numel() == 0) return out;
  if (k == 0) {
    // An empty sum: bias (or zero) everywhere.
    dispatch_floating(a.dtype(), "matmul",
                      [&]<typename T>() { fill_rows(out.data_ptr<T>(), out.numel() / n, n, bias); });
    return out;
  }
  switch (a.dtype()) {
    case kFloat32:
      if (compute == kBFloat16) {
        matmul_bf16(a, b, bias, out);
      } else {
        matmul_f32(a, b, bias, out);
      }
      break;
    case kFloat64:
      matmul_f64(a, b, bias, out);
      break;
    default:
      unsupported_dtype("matmul", a.dtype());
  }
  return out;
}

void matmul_into(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& out, bool relu) {
  STRATA_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2 && out.is_contiguous(),
               "matmul_into: needs 2-D operands and a contiguous 2-D out, got {}, {} and {}", a.shape().str(),
               b.shape().str(), out.shape().str());
  STRATA_CHECK(a.size(1) == b.size(0) && out.size(0) == a.size(0) && out.size(1) == b.size(1),
               "matmul_into: shapes {} @ {} do not give out {}", a.shape().str(), b.shape().str(),
               out.shape().str());
  STRATA_CHECK(
      a.dtype() == b.dtype() && out.dtype() == a.dtype() && (!bias.defined() || bias.dtype() == a.dtype()),
      "matmul_into: operands have different dtypes ({}, {}, out {})", dtype_name(a.dtype()),
      dtype_name(b.dtype()), dtype_name(out.dtype()));
  if (out.numel() == 0) return;
  if (a.size(1) == 0 || a.dtype() != kFloat32) {
    Tensor r = matmul(a, b, bias, a.dtype());
    if (relu) r = unary(UnaryOp::Relu, r);
    copy(out, r);
    return;
  }
  matmul_f32(a, b, bias, out, relu);
}

}  // namespace strata::kernels::cpu
