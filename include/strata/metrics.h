#pragma once
// Evaluation metrics: streaming metrics by name, classification report, evaluation plots.
#include "strata/metrics/bleu.h"
#include "strata/metrics/classification.h"
#include "strata/metrics/confusion.h"
#include "strata/metrics/frechet.h"
#include "strata/metrics/metric.h"
#include "strata/metrics/plots.h"
#include "strata/metrics/probabilistic.h"
#include "strata/metrics/ranking.h"
#include "strata/metrics/registry.h"
#include "strata/metrics/regression.h"
#include "strata/metrics/report.h"
