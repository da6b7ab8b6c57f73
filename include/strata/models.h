#pragma once
#include "strata/models/lenet.h"
#include "strata/models/mlp.h"
