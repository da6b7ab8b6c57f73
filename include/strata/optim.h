#pragma once
#include "strata/optim/adagrad.h"
#include "strata/optim/adam.h"
#include "strata/optim/clip.h"
#include "strata/optim/optimizer.h"
#include "strata/optim/rmsprop.h"
#include "strata/optim/scheduler.h"
#include "strata/optim/sgd.h"
