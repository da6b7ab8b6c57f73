#pragma once
// Metrics by name, as configs and FitOptions::metrics name them: "accuracy", "f1_macro", "roc_auc", ...
#include <memory>
#include <string>
#include <vector>

#include "strata/metrics/metric.h"

namespace strata::metrics {

// A new metric for `name` (see names()); throws for an unknown name, listing the known ones. Besides the
// fixed names, "top<k>_accuracy" sets k and "f<beta>_<average>" (e.g. "f2_macro", "f0.5_binary") sets beta.
std::unique_ptr<Metric> make(const std::string& name, const MetricOptions& options = {});
// Every name make() accepts, in documentation order (patterns written as "top<k>_accuracy").
std::vector<std::string> names();
// True when a larger value of metric `name` is better (an optional "val_" prefix is ignored); throws for
// an unknown name.
bool higher_is_better(const std::string& name);

}  // namespace strata::metrics
