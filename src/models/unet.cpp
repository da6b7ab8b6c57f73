#include "strata/models/unet.h"

#include "strata/core/error.h"
#include "strata/nn/activation.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/ops/indexing.h"

namespace strata::models {

nn::Sequential double_conv(int64_t in_channels, int64_t out_channels) {
  return nn::Sequential(nn::Conv2d(in_channels, out_channels, 3, {.padding = 1, .bias = false}),
                        nn::BatchNorm2d(out_channels), nn::ReLU(),
                        nn::Conv2d(out_channels, out_channels, 3, {.padding = 1, .bias = false}),
                        nn::BatchNorm2d(out_channels), nn::ReLU());
}

UNetUpImpl::UNetUpImpl(int64_t in_channels)
    : Module("UNetUp"),
      up(in_channels, in_channels / 2, 2, {.stride = 2}),
      conv(double_conv(in_channels, in_channels / 2)) {
  register_module("up", up.ptr());
  register_module("conv", conv.ptr());
}

Tensor UNetUpImpl::forward(const Tensor& x, const Tensor& skip) {
  return conv->forward(ops::cat({skip, up->forward(x)}, 1));
}

Tensor UNetUpImpl::forward(const Tensor&) {
  STRATA_FAIL("UNetUp: forward needs the skip connection (forward(x, skip))");
}

namespace {
const UNetOptions& checked(const UNetOptions& o) {
  STRATA_CHECK(
      o.in_channels > 0 && o.num_classes > 0 && o.base_channels > 0 && o.depth >= 1 && o.depth <= 6,
      "UNet: in_channels ({}), num_classes ({}), base_channels ({}) must be positive and depth ({}) in "
      "1..6",
      o.in_channels, o.num_classes, o.base_channels, o.depth);
  return o;
}
}  // namespace

UNetImpl::UNetImpl(const UNetOptions& o)
    : Module("UNet"),
      options(checked(o)),
      inc(double_conv(o.in_channels, o.base_channels)),
      outc(o.base_channels, o.num_classes, 1) {
  register_module("inc", inc.ptr());
  nn::Sequential down_list, up_list;
  int64_t c = o.base_channels;
  for (int64_t i = 0; i < o.depth; ++i) {
    downs.push_back(nn::Sequential(nn::MaxPool2d(2), double_conv(c, 2 * c)));
    down_list->push_back(downs.back().ptr());
    c *= 2;
  }
  for (int64_t i = 0; i < o.depth; ++i) {
    ups.push_back(UNetUp(c));
    up_list->push_back(ups.back().ptr());
    c /= 2;
  }
  register_module("downs", down_list.ptr());
  register_module("ups", up_list.ptr());
  register_module("outc", outc.ptr());
}

Tensor UNetImpl::forward(const Tensor& x) {
  const int64_t m = int64_t{1} << options.depth;
  STRATA_CHECK(x.dim() == 4 && x.size(1) == options.in_channels && x.size(2) % m == 0 && x.size(3) % m == 0,
               "UNet: input must be [N, {}, H, W] with H and W multiples of {} (depth {}), got {}",
               options.in_channels, m, options.depth, x.shape().str());
  std::vector<Tensor> skips{inc->forward(x)};
  for (auto& d : downs) skips.push_back(d->forward(skips.back()));
  Tensor h = skips.back();
  for (size_t i = 0; i < ups.size(); ++i) h = ups[i]->forward(h, skips[skips.size() - 2 - i]);
  return outc->forward(h);
}

}  // namespace strata::models
