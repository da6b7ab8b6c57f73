// oneDNN plumbing shared by the convolution, pooling and normalisation kernels.
#include "kernels/cpu/conv_dnnl.h"

#include "kernels/elementwise.h"
#include "strata/core/allocator.h"

namespace strata::kernels::cpu::dnnl_util {

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

Key make_key(int64_t tag, std::initializer_list<int64_t> values) {
  Key k;
  k.values.reserve(values.size() + 2);
  k.values.push_back(tag);
  k.values.push_back(omp_in_parallel() ? 1 : omp_get_max_threads());
  k.values.insert(k.values.end(), values.begin(), values.end());
  return k;
}

dnnl::memory::desc plain(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size());
  int64_t acc = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    strides[d] = acc;
    acc *= dims[d];
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory wrap(const dnnl::memory::desc& md, const void* data) {
  return dnnl::memory(md, engine(), const_cast<void*>(data));
}

namespace {

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

}  // namespace

void execute(const dnnl::primitive& prim, std::unordered_map<int, dnnl::memory>& args,
             const dnnl::memory::desc& scratchpad) {
  Scratchpad scratch(scratchpad.get_size());
  if (scratch.ptr) args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, engine(), scratch.ptr));
  prim.execute(stream(), args);
  stream().wait();
}

Tensor dense(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = kernels::empty(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return out;
}

}  // namespace strata::kernels::cpu::dnnl_util
