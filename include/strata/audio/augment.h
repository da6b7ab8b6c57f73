#pragma once
// Audio augmentation: SpecAugment masks on spectrograms (torchaudio's FrequencyMasking / TimeMasking),
// additive noise at a signal-to-noise ratio, and speed perturbation by resampling.
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::audio {

// Zeroes (sets to mask_value) one band of width uniform in [0, max_width] along `dim` of spec, starting
// uniformly where it fits, like torchaudio.functional.mask_along_axis. Returns a new tensor.
Tensor mask_along_axis(const Tensor& spec, int64_t max_width, int64_t dim, Generator& generator,
                       double mask_value = 0.0);
// SpecAugment frequency mask on spec [..., freq, time].
Tensor frequency_mask(const Tensor& spec, int64_t max_width, Generator& generator, double mask_value = 0.0);
// SpecAugment time mask on spec [..., freq, time].
Tensor time_mask(const Tensor& spec, int64_t max_width, Generator& generator, double mask_value = 0.0);

// x plus white Gaussian noise scaled so that signal power / noise power is snr_db decibels.
Tensor add_noise(const Tensor& x, double snr_db, Generator& generator);

// x [..., time] played `factor` times faster (shorter for factor > 1), pitch shifted with it: resampled
// from round(sample_rate * factor) to sample_rate Hz. The filter has one phase per output sample of the
// reduced ratio: factors in simple fractions (1.05 = 21:20) are cheap, arbitrary ones (1.0371) are not.
Tensor speed(const Tensor& x, int64_t sample_rate, double factor);

}  // namespace strata::audio
