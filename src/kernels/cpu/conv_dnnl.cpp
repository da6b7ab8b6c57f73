// oneDNN plumbing shared by the convolution, pooling and normalisation kernels.
#include "kernels/cpu/conv_dnnl.h"

#include "kernels/cpu/memory_format.h"
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

dnnl::memory::desc activation(const dnnl::memory::dims& dims, bool channels_last) {
  return channels_last
             ? dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nhwc)
             : plain(dims);
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory wrap(const dnnl::memory::desc& md, const void* data) {
  return dnnl::memory(md, engine(), const_cast<void*>(data));
}

Buffer::Buffer(size_t bytes) : bytes_(bytes), ptr_(bytes ? cpu_allocator::allocate(bytes) : nullptr) {}

Buffer::~Buffer() {
  if (ptr_) cpu_allocator::deallocate(ptr_, bytes_);
}

void execute(const dnnl::primitive& prim, std::unordered_map<int, dnnl::memory>& args,
             const dnnl::memory::desc& scratchpad) {
  Buffer scratch(scratchpad.get_size());
  if (scratch.get()) args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, engine(), scratch.get()));
  prim.execute(stream(), args);
  stream().wait();
}

Arg make_arg(int id, bool output, const dnnl::memory::desc& user, const dnnl::memory::desc& used) {
  Arg a{id, output, user, used, std::nullopt};
  if (user != used) {
    a.convert = output ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), used, engine(), user))
                       : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), used));
  }
  return a;
}

dnnl::memory::desc any_layout(const dnnl::memory::desc& md) {
  return dnnl::memory::desc(md.dims(), md.data_type(), dnnl::memory::format_tag::any);
}

void execute(const dnnl::primitive& prim, const std::vector<Arg>& args, const std::vector<const void*>& data,
             const dnnl::memory::desc& scratchpad) {
  dnnl::stream& s = stream();
  std::vector<std::unique_ptr<Buffer>> temps;
  std::unordered_map<int, dnnl::memory> run;
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    dnnl::memory user = wrap(a.user, data[i]);
    if (!a.convert) {
      run.emplace(a.id, user);
      continue;
    }
    temps.push_back(std::make_unique<Buffer>(a.used.get_size()));
    dnnl::memory used(a.used, engine(), temps.back()->get());
    if (!a.output) a.convert->execute(s, user, used);
    run.emplace(a.id, used);
  }
  Buffer scratch(scratchpad.get_size());
  if (scratch.get()) run.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, engine(), scratch.get()));
  prim.execute(s, run);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg& a = args[i];
    if (!a.output || !a.convert) continue;
    dnnl::memory user = wrap(a.user, data[i]);
    a.convert->execute(s, run.at(a.id), user);
  }
  s.wait();
}

Tensor dense_activation(const Tensor& x) { return is_channels_last(x) ? x : dense(x); }

Tensor dense(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = kernels::empty(x.shape(), x.dtype(), x.device());
  kernels::copy(out, x);
  return out;
}

}  // namespace strata::kernels::cpu::dnnl_util
