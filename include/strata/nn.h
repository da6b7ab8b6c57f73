#pragma once
// Neural-network modules: layers, containers, losses, initialisers.
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/dropout.h"
#include "strata/nn/embedding.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/nn/loss.h"
#include "strata/nn/module.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/nn/regularization.h"
