#pragma once
// Band-limited resampling with a Hann-windowed sinc polyphase filter, equal to
// torchaudio.functional.resample (sinc_interpolation) in torchaudio 0.13.
#include "strata/core/tensor.h"

namespace strata::audio {

struct ResampleOptions {
  int64_t lowpass_filter_width = 6;  // zero crossings of the sinc on each side
  double rolloff = 0.99;             // cutoff as a fraction of the lower Nyquist frequency
};

// x [..., time] from orig_freq to new_freq Hz (both integers); differentiable (a strided conv1d).
Tensor resample(const Tensor& x, int64_t orig_freq, int64_t new_freq, const ResampleOptions& options = {});

}  // namespace strata::audio
