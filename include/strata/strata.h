#pragma once
// Everything a strata user needs.
#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/gradcheck.h"
#include "strata/core/allocator.h"
#include "strata/core/autocast.h"
#include "strata/core/factory.h"
#include "strata/core/generator.h"
#include "strata/core/tensor.h"
#include "strata/core/threading.h"
#include "strata/io/safetensors.h"
#include "strata/ops.h"
#include "strata/version.h"
