#pragma once
// Interpretability: attribution methods, Grad-CAM, attention maps, their sanity check, heat-map overlays and
// the method registry.
#include "strata/explain/attention_maps.h"
#include "strata/explain/attribution.h"
#include "strata/explain/colormap.h"
#include "strata/explain/grad_cam.h"
#include "strata/explain/gradient_x_input.h"
#include "strata/explain/integrated_gradients.h"
#include "strata/explain/occlusion.h"
#include "strata/explain/overlay.h"
#include "strata/explain/rank_correlation.h"
#include "strata/explain/registry.h"
#include "strata/explain/saliency.h"
#include "strata/explain/sanity_check.h"
#include "strata/explain/smoothgrad.h"
