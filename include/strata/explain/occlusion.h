#pragma once
// Occlusion (Zeiler & Fergus 2014, Captum's Occlusion): slide a window over the input, replace what it covers
// by a baseline value and record how much the target score drops; each element's attribution is the mean
// drop over the windows that cover it.
#include <cstdint>
#include <vector>

#include "strata/explain/attribution.h"

namespace strata::explain {

struct OcclusionOptions {
  // The window's extent in every dim after the batch (e.g. {1, 4, 4} for [N, 1, 28, 28]); required.
  std::vector<int64_t> window = {};
  // Its step in every dim after the batch; empty: 1 everywhere; one entry: that step in every dim.
  std::vector<int64_t> strides = {};
  double baseline = 0.0;  // the value written under the window
};

// Attributions shaped like `input` [N, ...]: mean over covering windows of score(x) - score(x occluded).
// Elements no window covers (when strides skip the border) get 0. The occluded copies run
// internal_batch_size at a time.
Tensor occlusion(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                 const OcclusionOptions& occlusion_options);

}  // namespace strata::explain
