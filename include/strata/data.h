#pragma once
#include "strata/data/dataloader.h"
#include "strata/data/dataset.h"
#include "strata/data/idx.h"
#include "strata/data/mnist.h"
#include "strata/data/table/all.h"
#include "strata/data/transforms.h"
