#include "kernels/cpu/bf16.h"

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "strata/core/threading.h"

namespace strata::kernels::cpu {

bool bf16_native() {
  static const bool native = [] {
    const char* off = std::getenv("STRATA_NO_BF16");
    if (off && std::string_view(off) != "" && std::string_view(off) != "0") return false;
    // ISAs are bit sets, each containing the ones it extends (AMX contains avx512_core_bf16).
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    return (isa & bf16) == bf16;
  }();
  return native;
}

namespace {

// Round to nearest even on the upper 16 bits; a NaN keeps its sign and becomes a quiet NaN. Written
// branch-free so the compiler vectorises it.
inline uint16_t round_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
  return static_cast<uint16_t>(nan ? ((u >> 16) | 0x40u) : rounded);
}

}  // namespace

void to_bf16(const float* src, uint16_t* dst, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 4 * kElementwiseGrain)
  for (int64_t i = 0; i < n; ++i) dst[i] = round_to_bf16(src[i]);
}

dnnl::memory::desc with_data_type(const dnnl::memory::desc& md, dnnl::memory::data_type type) {
  if (md.data.format_kind == dnnl_format_kind_any) {
    return dnnl::memory::desc(md.dims(), type, dnnl::memory::format_tag::any);
  }
  const auto& strides = md.data.format_desc.blocking.strides;
  return dnnl::memory::desc(md.dims(), type, dnnl::memory::dims(strides, strides + md.data.ndims));
}

bool native_bf16_impl(const char* impl_info) {
  const std::string_view name(impl_info);
  return name.find("bf16") != std::string_view::npos || name.find("amx") != std::string_view::npos;
}

}  // namespace strata::kernels::cpu
