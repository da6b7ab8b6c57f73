#pragma once
#include "strata/train/callback.h"
#include "strata/train/distillation.h"
#include "strata/train/node_classification.h"
#include "strata/train/plot.h"
#include "strata/train/progress.h"
#include "strata/train/trainer.h"
#include "strata/train/training_module.h"
