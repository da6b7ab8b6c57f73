#pragma once
// Gaussian noise for DP-SGD, fast enough to add to every parameter at every step: 16 xoshiro128+ streams side
// by side give the uniform draws and a branch-free Box-Muller (polynomial log, sin and cos, accurate to
// ~1e-7) turns pairs of them into normals, in loops the compiler vectorises (AVX2, or AVX-512 where the CPU
// has it; std::normal_distribution costs ~20 ns a value, several times a whole small-model training step).
// The tensor is cut into chunks of 8,192 pairs with their own seeds, so chunks run in parallel and the values
// depend only on the key drawn from the generator, not on the thread count or the instruction set. Like
// PyTorch's default generator it is not a cryptographic source.
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::fed {

// A f32 tensor of `shape` with independent N(0, std^2) values; one 64-bit key is drawn from `generator`.
Tensor gaussian_noise(const Shape& shape, double std, Generator& generator);
// Adds N(0, std^2) noise to every element of `t` (contiguous f32) in place; the same values gaussian_noise
// draws for the same generator state.
void add_gaussian_noise(Tensor& t, double std, Generator& generator);

}  // namespace strata::fed
