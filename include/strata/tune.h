#pragma once
// Model selection: search spaces, searchers (grid, random, Bayesian, TPE), pruners, the tuning loop and
// cross-validation.
#include "strata/tune/acquisition.h"
#include "strata/tune/benchmarks.h"
#include "strata/tune/cross_validation.h"
#include "strata/tune/gaussian_process.h"
#include "strata/tune/pruner.h"
#include "strata/tune/searcher.h"
#include "strata/tune/space.h"
#include "strata/tune/tuner.h"
