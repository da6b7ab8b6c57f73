#pragma once
// Short-time Fourier transform and its inverse, equal to torch.stft / torch.istft (onesided, reflect
// padding when centred). Built from index_select, matmul and index_add, so both are differentiable.
#include <optional>

#include "strata/core/tensor.h"

namespace strata::audio {

struct StftOptions {
  int64_t hop_length = 0;   // 0: n_fft / 4, as PyTorch
  int64_t win_length = 0;   // 0: n_fft; a shorter window is centred in the frame with zeros around it
  Tensor window{};          // [win_length]; undefined: a rectangular window (ones), as PyTorch
  bool center = true;       // reflect-pad n_fft / 2 samples on each side
  bool normalized = false;  // scale by 1 / sqrt(n_fft)
};

// A periodic (default) or symmetric Hann window of `length` samples, like torch.hann_window.
Tensor hann_window(int64_t length, bool periodic = true, Dtype dtype = kFloat32);

// x [time] or [batch, time] -> [(batch,) n_fft / 2 + 1, frames, 2] (real, imaginary), like
// torch.view_as_real(torch.stft(x, n_fft, ..., return_complex=True)).
Tensor stft(const Tensor& x, int64_t n_fft, const StftOptions& options = {});

// The inverse: spec [(batch,) n_fft / 2 + 1, frames, 2] -> [(batch,) time], like torch.istft (window
// envelope normalised; `length` trims or zero-pads the result).
Tensor istft(const Tensor& spec, int64_t n_fft, const StftOptions& options = {},
             std::optional<int64_t> length = std::nullopt);

// |stft(x)|^power: [(batch,) n_fft / 2 + 1, frames], like torchaudio.functional.spectrogram.
Tensor spectrogram(const Tensor& x, int64_t n_fft, const StftOptions& options = {}, double power = 2.0);

}  // namespace strata::audio
