#pragma once
// Post-training int8 quantization: quantized layers and the quantize pass.
#include "strata/quantization/layers.h"
#include "strata/quantization/quantize.h"
