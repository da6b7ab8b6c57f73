#pragma once
// IEEE 754 half precision (binary16) <-> f32, in software so it runs on any x86-64 (no F16C needed):
// widening is exact, narrowing rounds to nearest, ties to even, like PyTorch's tensor.half().
#include <cstdint>

namespace strata::io {

// The f32 equal to a half's bits (exact: every half is an f32).
float half_to_float(uint16_t h);
// The half nearest to `f` (ties to even); beyond the half range gives infinity, NaN stays a quiet NaN.
uint16_t float_to_half(float f);
// dst[i] = half_to_float(src[i]).
void halves_to_floats(const uint16_t* src, float* dst, int64_t n);
// dst[i] = float_to_half(src[i]).
void floats_to_halves(const float* src, uint16_t* dst, int64_t n);
// dst[i] = src[i] rounded to the nearest bf16 (the top half of an f32; ties to even, NaN stays a quiet NaN),
// like PyTorch's tensor.bfloat16().
void floats_to_bf16(const float* src, uint16_t* dst, int64_t n);

}  // namespace strata::io
