#pragma once
// strata::audio: WAV files, resampling, STFT, mel features, augmentation and CTC decoding.
#include "strata/audio/augment.h"
#include "strata/audio/mel.h"
#include "strata/audio/resample.h"
#include "strata/audio/stft.h"
#include "strata/audio/wav.h"
#include "strata/audio/ctc_decode.h"
