#pragma once
// Automatic differentiation: the backward engine, graph nodes, grad mode, gradient hooks, gradcheck.
#include "strata/autograd/engine.h"
#include "strata/autograd/grad_hooks.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/gradcheck.h"
#include "strata/autograd/node.h"
