#pragma once
// The functional API: strata::ops (aliased strata::F).
#include "strata/ops/activation.h"
#include "strata/ops/attention.h"
#include "strata/ops/conv.h"
#include "strata/ops/ctc.h"
#include "strata/ops/dropout.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/loss.h"
#include "strata/ops/normalization.h"
#include "strata/ops/pooling.h"
#include "strata/ops/reduction.h"
#include "strata/ops/rnn.h"
#include "strata/ops/rotary.h"
#include "strata/ops/softmax.h"
#include "strata/ops/sparse.h"
#include "strata/ops/upsample.h"
#include "strata/ops/view.h"
#include "strata/ops/dice_loss.h"

namespace strata {
namespace F = ops;
}
