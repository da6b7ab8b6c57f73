// Interpolation. The forward and its backward are a pair of linear maps (each output is a fixed
// weighting of its source elements), so each backward is an op whose backward is the forward again:
// gradients of any order flow. A 3-D input runs as a 4-D one with H = 1, where both modes copy rows.
#include "strata/ops/upsample.h"

#include <fmt/ranges.h>

#include <cmath>

#include "kernels/upsample.h"
#include "strata/autograd/node.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::UpsampleParams;

Tensor upsample_op(const Tensor& x, const UpsampleParams& p);

Tensor upsample_backward_op(const Tensor& g, const Shape& x_shape, const UpsampleParams& p) {
  Tensor out = kernels::upsample2d_backward(g, x_shape, p);
  return record("interpolate_backward", out, {g}, [p](const Tensor& u) { return Grads{upsample_op(u, p)}; });
}

Tensor upsample_op(const Tensor& x, const UpsampleParams& p) {
  Tensor out = kernels::upsample2d(x, p);
  return record("interpolate", out, {x},
                [shape = x.shape(), p](const Tensor& g) { return Grads{upsample_backward_op(g, shape, p)}; });
}

const char* dims_name(InterpolateMode mode) {
  return mode == InterpolateMode::Linear ? "3-D [N, C, L]" : "4-D [N, C, H, W]";
}

}  // namespace

InterpolateMode interpolate_mode_from_name(std::string_view name) {
  if (name == "nearest") return InterpolateMode::Nearest;
  if (name == "linear") return InterpolateMode::Linear;
  if (name == "bilinear") return InterpolateMode::Bilinear;
  STRATA_FAIL("interpolate: unknown mode '{}' (expected 'nearest', 'linear' or 'bilinear')", name);
}

std::string_view interpolate_mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest:
      return "nearest";
    case InterpolateMode::Linear:
      return "linear";
    case InterpolateMode::Bilinear:
      return "bilinear";
  }
  return "nearest";
}

void check_interpolate_options(const InterpolateOptions& o, const char* op) {
  STRATA_CHECK(o.size.empty() != o.scale_factor.empty(),
               "{}: give exactly one of size and scale_factor (got size [{}] and scale_factor [{}])", op,
               fmt::join(o.size, ", "), fmt::join(o.scale_factor, ", "));
  for (int64_t s : o.size)
    STRATA_CHECK(s > 0, "{}: size must be positive, got [{}]", op, fmt::join(o.size, ", "));
  for (double s : o.scale_factor)
    STRATA_CHECK(std::isfinite(s) && s > 0, "{}: scale_factor must be positive, got [{}]", op,
                 fmt::join(o.scale_factor, ", "));
  STRATA_CHECK(o.size.size() <= 2 && o.scale_factor.size() <= 2,
               "{}: size and scale_factor take one value per spatial dim (at most 2), got size [{}] and "
               "scale_factor [{}]",
               op, fmt::join(o.size, ", "), fmt::join(o.scale_factor, ", "));
  STRATA_CHECK(!o.align_corners.has_value() || o.mode != InterpolateMode::Nearest,
               "{}: align_corners can only be set with the interpolating modes 'linear' and 'bilinear', not "
               "with mode 'nearest'",
               op);
}

Tensor interpolate(const Tensor& x, const InterpolateOptions& o) {
  STRATA_CHECK(x.defined(), "interpolate: undefined input");
  check_interpolate_options(o);
  STRATA_CHECK(x.dim() == 3 || x.dim() == 4,
               "interpolate: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got shape {}",
               x.shape().str());
  STRATA_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64,
               "interpolate: expected an f32 or f64 input, got {}", dtype_name(x.dtype()));
  STRATA_CHECK(o.mode == InterpolateMode::Nearest || (o.mode == InterpolateMode::Linear) == (x.dim() == 3),
               "interpolate: mode '{}' needs a {} input, got shape {}", interpolate_mode_name(o.mode),
               dims_name(o.mode), x.shape().str());
  const int64_t spatial = x.dim() - 2;
  for (int64_t d = 2; d < x.dim(); ++d)
    STRATA_CHECK(x.size(d) > 0, "interpolate: input of shape {} has an empty spatial dim", x.shape().str());
  const size_t given = o.size.empty() ? o.scale_factor.size() : o.size.size();
  STRATA_CHECK(given == 1 || given == static_cast<size_t>(spatial),
               "interpolate: input of shape {} has {} spatial dim(s), but {} has {} values", x.shape().str(),
               spatial, o.size.empty() ? "scale_factor" : "size", given);

  UpsampleParams p;
  p.mode =
      o.mode == InterpolateMode::Nearest ? kernels::UpsampleMode::Nearest : kernels::UpsampleMode::Linear;
  p.align_corners = o.align_corners.value_or(false);
  // Spatial dim i of the input is dim k = i + (4 - x.dim()) of the 4-D view (H = 1 for a 3-D input).
  for (int64_t i = 0; i < spatial; ++i) {
    const size_t k = static_cast<size_t>(i + 4 - x.dim());
    const size_t j = given == 1 ? 0 : static_cast<size_t>(i);
    const int64_t in = x.size(i + 2);
    if (!o.size.empty()) {
      p.out[k] = o.size[j];
    } else {
      p.scale[k] = o.scale_factor[j];
      p.out[k] = static_cast<int64_t>(static_cast<double>(in) * o.scale_factor[j]);
      STRATA_CHECK(p.out[k] > 0,
                   "interpolate: input of shape {} with scale_factor [{}] gives an empty output",
                   x.shape().str(), fmt::join(o.scale_factor, ", "));
    }
  }
  if (x.dim() == 4) return upsample_op(x, p);
  return squeeze(upsample_op(unsqueeze(x, 2), p), 2);
}

}  // namespace strata::ops
