#include "strata/models/vgg.h"

#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/dropout.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/ops/view.h"

namespace strata::models {
namespace {

const VGGOptions& checked(const std::string& name, const VGGOptions& o) {
  STRATA_CHECK(o.num_classes > 0, "{}: num_classes must be positive, got {}", name, o.num_classes);
  STRATA_CHECK(o.in_channels > 0, "{}: in_channels must be positive, got {}", name, o.in_channels);
  STRATA_CHECK(o.classifier_width > 0, "{}: classifier_width must be positive, got {}", name,
               o.classifier_width);
  STRATA_CHECK(o.pool_size > 0, "{}: pool_size must be positive, got {}", name, o.pool_size);
  STRATA_CHECK(o.dropout >= 0 && o.dropout <= 1, "{}: dropout must be in [0, 1], got {}", name, o.dropout);
  return o;
}

const std::vector<int64_t> kConfigA = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};

}  // namespace

VGGImpl::VGGImpl(std::string name, const std::vector<int64_t>& config, bool batch_norm,
                 const VGGOptions& options)
    : Module("VGG"),
      name(std::move(name)),
      options(checked(this->name, options)),
      avgpool(options.pool_size) {
  int64_t channels = options.in_channels, pools = 0, convs = 0;
  for (int64_t v : config) {
    if (v == 0) {
      features->push_back(nn::MaxPool2d(2, {.stride = 2}));
      ++pools;
      continue;
    }
    features->push_back(nn::Conv2d(channels, v, 3, {.padding = 1}));
    // A BatchNorm followed by a ReLU runs fused inside nn::Sequential.
    if (batch_norm) features->push_back(nn::BatchNorm2d(v));
    features->push_back(nn::ReLU());
    channels = v;
    ++convs;
  }
  STRATA_CHECK(convs > 0, "{}: the configuration has no convolution", this->name);
  min_input_size = int64_t{1} << pools;
  const int64_t width = options.classifier_width, flat = channels * options.pool_size * options.pool_size;
  classifier = nn::Sequential(nn::Linear(flat, width), nn::ReLU(), nn::Dropout(options.dropout),
                              nn::Linear(width, width), nn::ReLU(), nn::Dropout(options.dropout),
                              nn::Linear(width, options.num_classes));
  register_module("features", features.ptr());
  register_module("avgpool", avgpool.ptr());
  register_module("classifier", classifier.ptr());

  // torchvision's initialisation: He-normal convolutions (fan_out), N(0, 0.01) Linear weights, zero biases.
  for (auto& [child_name, module] : named_modules()) {
    if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(module.get())) {
      nn::init::kaiming_normal_(conv->weight, 0.0, nn::init::FanMode::FanOut, nn::init::Nonlinearity::Relu);
      nn::init::zeros_(conv->bias);
    } else if (auto* linear = dynamic_cast<nn::LinearImpl*>(module.get())) {
      nn::init::normal_(linear->weight, 0.0, 0.01);
      nn::init::zeros_(linear->bias);
    }
  }
}

Tensor VGGImpl::forward(const Tensor& x) {
  STRATA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options.in_channels,
               "{}: expected input of shape [N, {}, H, W], got {}", name, options.in_channels,
               x.defined() ? x.shape().str() : "an undefined tensor");
  STRATA_CHECK(x.size(2) >= min_input_size && x.size(3) >= min_input_size,
               "{}: input of shape {} is too small: its 2x2 max pools need H and W of at least {}", name,
               x.shape().str(), min_input_size);
  return classifier(ops::flatten(avgpool(features(x)), 1));
}

VGG vgg11(const VGGOptions& options) { return VGG("vgg11", kConfigA, false, options); }
VGG vgg11_bn(const VGGOptions& options) { return VGG("vgg11_bn", kConfigA, true, options); }

}  // namespace strata::models
