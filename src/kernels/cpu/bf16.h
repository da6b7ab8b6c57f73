#pragma once
// bf16 on the CPU: whether oneDNN has native bf16 kernels here, f32 -> bf16 rounding, and descriptor
// helpers for primitives that take bf16 inputs and write f32 results (mixed precision).
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>

namespace strata::kernels::cpu {

// True when the CPU has bf16 dot products (avx512_bf16 or AMX) and oneDNN uses them; false when the
// environment sets STRATA_NO_BF16=1 (for comparing against f32 on the same machine).
bool bf16_native();

// dst[i] = src[i] rounded to the nearest bf16 (ties to even; NaN stays NaN), in parallel when large.
void to_bf16(const float* src, uint16_t* dst, int64_t n);

// `md` with its element type replaced: plain strided descriptors keep their strides, `any` stays `any`.
dnnl::memory::desc with_data_type(const dnnl::memory::desc& md, dnnl::memory::data_type type);

// True when a oneDNN implementation name is a native bf16 kernel (not a conversion to f32 or a gemm or
// reference fallback, which run slower than f32).
bool native_bf16_impl(const char* impl_info);

}  // namespace strata::kernels::cpu
