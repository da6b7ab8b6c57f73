#pragma once
// The whole public API of strata. Each area also has its own header for those who want less:
// strata/core.h, autograd.h, ops.h, nn.h, optim.h, data.h, metrics.h, tune.h, train.h, io.h, models.h,
// compress.h, explain.h, fed.h, quantization.h, rl.h; strata/dist.h (MPI) needs strata::dist besides.
#include "strata/autograd.h"
#include "strata/compress.h"
#include "strata/core.h"
#include "strata/data.h"
#include "strata/explain.h"
#include "strata/fed.h"
#include "strata/io.h"
#include "strata/metrics.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/ops.h"
#include "strata/optim.h"
#include "strata/quantization.h"
#include "strata/rl.h"
#include "strata/train.h"
#include "strata/tune.h"
#include "strata/version.h"
