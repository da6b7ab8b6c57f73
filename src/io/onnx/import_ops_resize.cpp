// The ONNX importer's padding and resizing: Pad, Resize and Upsample.
#include <algorithm>
#include <cmath>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_pad(const OpContext& c) {
  const Tensor& x = c.required(0);
  const std::string mode = c.node.attr_string("mode", "constant");
  STRATA_CHECK(mode == "constant" || mode == "reflect" || mode == "edge" || mode == "wrap",
               "{}: mode '{}' is not supported", c.node.label(), mode);
  std::vector<int64_t> pads = c.opset >= 11 ? c.ints(1) : c.node.attr_ints("pads");
  const double value =
      c.opset >= 11 ? (c.in(2).defined() ? scalar(c.in(2)) : 0.0) : c.node.attr_float("value", 0);
  const int64_t r = rank(x);
  std::vector<int64_t> axes;
  if (c.in(3).defined()) {
    for (int64_t a : c.ints(3)) axes.push_back(norm_axis(a, r, c.node));
  } else {
    for (int64_t d = 0; d < r; ++d) axes.push_back(d);
  }
  STRATA_CHECK(pads.size() == 2 * axes.size(), "{}: {} pads for {} axes", c.node.label(), pads.size(),
               axes.size());
  std::vector<int64_t> begin(static_cast<size_t>(r), 0), end(static_cast<size_t>(r), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    begin[static_cast<size_t>(axes[i])] = pads[i];
    end[static_cast<size_t>(axes[i])] = pads[i + axes.size()];
  }
  if (mode != "constant") {  // each padded axis gathers its source indices: reflected, clamped or wrapped
    Tensor y = x;
    for (size_t d = 0; d < begin.size(); ++d) {
      if (begin[d] == 0 && end[d] == 0) continue;
      const int64_t len = x.shape()[d];
      std::vector<int64_t> index;
      for (int64_t i = -begin[d]; i < len + end[d]; ++i) {
        int64_t j = i;
        if (mode == "edge") {
          j = std::clamp<int64_t>(i, 0, len - 1);
        } else if (mode == "wrap") {
          j = ((i % len) + len) % len;
        } else {
          STRATA_CHECK(len > 1, "{}: reflect padding needs at least 2 elements along axis {}", c.node.label(),
                       d);
          const int64_t period = 2 * (len - 1);
          j = ((i % period) + period) % period;
          if (j >= len) j = period - j;
        }
        index.push_back(j);
      }
      y = F::index_select(y, static_cast<int64_t>(d),
                          from_vector<int64_t>(index, {static_cast<int64_t>(index.size())}));
    }
    return {y};
  }
  std::vector<int64_t> grow_b(begin.size()), grow_e(end.size());
  for (size_t d = 0; d < begin.size(); ++d)
    grow_b[d] = std::max<int64_t>(begin[d], 0), grow_e[d] = std::max<int64_t>(end[d], 0);
  Tensor y = F::pad(x, torch_pads(grow_b, grow_e), value);
  for (size_t d = 0; d < begin.size(); ++d) {  // negative pads crop
    const int64_t n = y.shape()[d];
    const int64_t b = begin[d] < 0 ? -begin[d] : 0, e = end[d] < 0 ? -end[d] : 0;
    if (b || e) y = y.slice(static_cast<int64_t>(d), b, n - e);
  }
  return {y};
}

// Resize, written as ONNX's reference does it: separable along each axis (last first), every output position
// mapped back to a source coordinate by coordinate_transformation_mode, then the nearest source element
// (nearest_mode) or a weighted sum of 2 (linear) or 4 (cubic) neighbours, edge-clamped; index_select and
// elementwise products, so gradients reach the input.
Tensor resize_axis(const Tensor& x, int64_t axis, int64_t out, double scale, const Node& n, double roi_start,
                   double roi_end) {
  const int64_t in = x.shape()[static_cast<size_t>(axis)];
  const std::string mode = n.attr_string("mode", "nearest");
  const std::string coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = n.attr_string("nearest_mode", "round_prefer_floor");
  const double a = n.attr_float("cubic_coeff_a", -0.75);
  const bool exclude_outside = n.attr_int("exclude_outside", 0) != 0;
  const double extrapolation = n.attr_float("extrapolation_value", 0.0);
  const double out_width = scale * static_cast<double>(in);  // ONNX's reference uses the real-valued width
  const int taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
  std::vector<std::vector<int64_t>> index(static_cast<size_t>(taps),
                                          std::vector<int64_t>(static_cast<size_t>(out)));
  std::vector<std::vector<double>> weight(static_cast<size_t>(taps),
                                          std::vector<double>(static_cast<size_t>(out)));
  std::vector<uint8_t> outside(static_cast<size_t>(out), 0);
  const auto clamp_index = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  for (int64_t o = 0; o < out; ++o) {
    const double xr = static_cast<double>(o);
    double xo;
    if (coord == "half_pixel") {
      xo = (xr + 0.5) / scale - 0.5;
    } else if (coord == "pytorch_half_pixel") {
      xo = out_width > 1 ? (xr + 0.5) / scale - 0.5 : 0.0;
    } else if (coord == "align_corners") {
      xo = out_width == 1 ? 0.0 : xr * static_cast<double>(in - 1) / (out_width - 1);
    } else if (coord == "asymmetric") {
      xo = xr / scale;
    } else if (coord == "tf_half_pixel_for_nn") {
      xo = (xr + 0.5) / scale;
    } else if (coord == "tf_crop_and_resize") {
      xo = out_width > 1 ? roi_start * static_cast<double>(in - 1) +
                               xr * (roi_end - roi_start) * static_cast<double>(in - 1) / (out_width - 1)
                         : 0.5 * (roi_start + roi_end) * static_cast<double>(in - 1);
      outside[static_cast<size_t>(o)] = xo < 0 || xo > static_cast<double>(in - 1);
    } else {
      STRATA_FAIL("{}: coordinate_transformation_mode '{}' is not supported", n.label(), coord);
    }
    const size_t oi = static_cast<size_t>(o);
    if (taps == 1) {
      double r;
      if (nearest == "round_prefer_floor") {
        r = xo == std::floor(xo) + 0.5 ? std::floor(xo) : std::round(xo);
      } else if (nearest == "round_prefer_ceil") {
        r = std::round(xo);
      } else if (nearest == "floor") {
        r = std::floor(xo);
      } else if (nearest == "ceil") {
        r = std::ceil(xo);
      } else {
        STRATA_FAIL("{}: nearest_mode '{}' is not supported", n.label(), nearest);
      }
      index[0][oi] = clamp_index(static_cast<int64_t>(r));
      weight[0][oi] = 1.0;
      continue;
    }
    const double fl = std::floor(xo);
    const double t = xo - fl;
    const int64_t base = static_cast<int64_t>(fl) - (taps == 4 ? 1 : 0);
    std::vector<double> coeff;
    if (taps == 2) {
      coeff = {1.0 - t, t};
    } else {
      const double t1 = t + 1, u = 1 - t, u1 = u + 1;
      coeff = {((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a, ((a + 2) * t - (a + 3)) * t * t + 1,
               ((a + 2) * u - (a + 3)) * u * u + 1, ((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a};
    }
    double total = 0;
    for (int k = 0; k < taps; ++k) {
      const int64_t src = base + k;
      if (exclude_outside && (src < 0 || src >= in)) coeff[static_cast<size_t>(k)] = 0;
      total += coeff[static_cast<size_t>(k)];
    }
    for (int k = 0; k < taps; ++k) {
      index[static_cast<size_t>(k)][oi] = clamp_index(base + k);
      weight[static_cast<size_t>(k)][oi] = exclude_outside && total != 0
                                               ? coeff[static_cast<size_t>(k)] / total
                                               : coeff[static_cast<size_t>(k)];
    }
  }
  Shape wshape(std::vector<int64_t>(static_cast<size_t>(rank(x)), 1));
  wshape[static_cast<size_t>(axis)] = out;
  Tensor y;
  for (int k = 0; k < taps; ++k) {
    const Tensor picked =
        F::index_select(x, axis, from_vector<int64_t>(index[static_cast<size_t>(k)], {out}));
    if (taps == 1) {
      y = picked;
      break;
    }
    const Tensor wk = from_vector<double>(weight[static_cast<size_t>(k)], wshape).to(x.dtype());
    y = y.defined() ? F::add(y, F::mul(picked, wk)) : F::mul(picked, wk);
  }
  if (std::any_of(outside.begin(), outside.end(), [](uint8_t v) { return v != 0; })) {
    std::vector<double> mask(outside.begin(), outside.end());
    y = F::where(F::ne(from_vector<double>(mask, wshape), 0.0), full({}, extrapolation, {.dtype = x.dtype()}),
                 y);
  }
  return y;
}

Tensors op_resize(const OpContext& c) {
  const Tensor& input = c.required(0);
  const Node& n = c.node;
  const int64_t r = rank(input);
  STRATA_CHECK(!n.has("axes") && n.attr_int("antialias", 0) == 0 &&
                   n.attr_string("keep_aspect_ratio_policy", "stretch") == "stretch",
               "{}: axes, antialias and keep_aspect_ratio_policy are not supported", n.label());
  const std::string mode = n.attr_string("mode", "nearest");
  STRATA_CHECK(mode == "nearest" || mode == "linear" || mode == "cubic", "{}: mode '{}' is not supported",
               n.label(), mode);
  const Tensor x = input.is_floating_point() ? input : input.to(kFloat32);
  std::vector<int64_t> sizes(static_cast<size_t>(r));
  std::vector<double> scales(static_cast<size_t>(r));
  const size_t scales_at = c.opset >= 11 ? 2 : 1, sizes_at = 3;
  if (c.opset >= 11 && c.in(sizes_at).defined() && c.in(sizes_at).numel() > 0) {
    sizes = c.ints(sizes_at);
    STRATA_CHECK(sizes.size() == static_cast<size_t>(r), "{}: {} sizes for rank {}", n.label(), sizes.size(),
                 r);
    for (size_t i = 0; i < sizes.size(); ++i)
      scales[i] = static_cast<double>(sizes[i]) / static_cast<double>(x.shape()[i]);
  } else {
    scales = c.required(scales_at).to(kFloat64).contiguous().to_vector<double>();
    STRATA_CHECK(scales.size() == static_cast<size_t>(r), "{}: {} scales for rank {}", n.label(),
                 scales.size(), r);
    for (size_t i = 0; i < scales.size(); ++i)
      sizes[i] = static_cast<int64_t>(std::floor(static_cast<double>(x.shape()[i]) * scales[i]));
  }
  std::vector<double> roi;
  if (c.opset >= 11 && c.in(1).defined() && c.in(1).numel() == 2 * r)
    roi = c.in(1).to(kFloat64).contiguous().to_vector<double>();
  Tensor y = x;
  for (int64_t axis = r - 1; axis >= 0; --axis) {
    const size_t i = static_cast<size_t>(axis);
    if (sizes[i] == x.shape()[i] && scales[i] == 1.0 && roi.empty()) continue;
    y = resize_axis(y, axis, sizes[i], scales[i], n, roi.empty() ? 0.0 : roi[i],
                    roi.empty() ? 1.0 : roi[i + r]);
  }
  return {y.dtype() == input.dtype() ? y : y.to(input.dtype())};
}

// Upsample (opsets 7 to 9, Resize's predecessor): Resize with asymmetric coordinates, nearest taking the
// floor; scales from the attribute (opset 7) or the second input (opset 9).
Tensors op_upsample(const OpContext& c) {
  const Tensor& input = c.required(0);
  const std::string mode = c.node.attr_string("mode", "nearest");
  STRATA_CHECK(mode == "nearest" || mode == "linear", "{}: mode '{}' is not supported", c.node.label(), mode);
  const std::vector<double> scales = c.in(1).defined() ? c.in(1).to(kFloat64).contiguous().to_vector<double>()
                                                       : c.node.attr_floats("scales");
  STRATA_CHECK(scales.size() == static_cast<size_t>(rank(input)), "{}: {} scales for rank {}", c.node.label(),
               scales.size(), rank(input));
  Node as_resize = c.node;
  as_resize.attributes["mode"].kind = Attribute::Kind::String;
  as_resize.attributes["mode"].s = mode;
  as_resize.attributes["coordinate_transformation_mode"].kind = Attribute::Kind::String;
  as_resize.attributes["coordinate_transformation_mode"].s = "asymmetric";
  as_resize.attributes["nearest_mode"].kind = Attribute::Kind::String;
  as_resize.attributes["nearest_mode"].s = "floor";
  const Tensor x = input.is_floating_point() ? input : input.to(kFloat32);
  Tensor y = x;
  for (int64_t axis = rank(x) - 1; axis >= 0; --axis) {
    const size_t i = static_cast<size_t>(axis);
    if (scales[i] == 1.0) continue;
    const int64_t out = static_cast<int64_t>(std::floor(static_cast<double>(x.shape()[i]) * scales[i]));
    y = resize_axis(y, axis, out, scales[i], as_resize, 0.0, 1.0);
  }
  return {y.dtype() == input.dtype() ? y : y.to(input.dtype())};
}

}  // namespace

void add_resize_ops(OperatorTable& table) {
  table.insert({
      {"Pad", op_pad},
      {"Resize", op_resize},
      {"Upsample", op_upsample},
  });
}

}  // namespace strata::onnx::detail
