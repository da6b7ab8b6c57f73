#pragma once
#include "strata/compress/channel_prune.h"
#include "strata/compress/prune.h"
#include "strata/compress/prune_schedule.h"
