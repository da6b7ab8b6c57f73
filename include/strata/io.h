#pragma once
// Files: safetensors checkpoints, model state, ONNX export and import.
#include "strata/io/model_state.h"
#include "strata/io/onnx.h"
#include "strata/io/onnx_import.h"
#include "strata/io/safetensors.h"
