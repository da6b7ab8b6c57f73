#include "strata/models/resnet.h"

#include "strata/nn/activation.h"
#include "strata/nn/init.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/view.h"

namespace strata::models {
namespace {

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(in, out, 3, {.stride = stride, .padding = 1, .bias = false});
}

nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return nn::Conv2d(in, out, 1, {.stride = stride, .bias = false});
}

int64_t expansion(ResNetSpec::Block block) {
  return block == ResNetSpec::Block::Basic ? BasicBlockImpl::kExpansion : BottleneckImpl::kExpansion;
}

// The sum of a residual branch and its shortcut, through the final ReLU.
Tensor merge(const Tensor& branch, const Tensor& x, const std::shared_ptr<nn::SequentialImpl>& downsample) {
  return ops::relu(ops::add(branch, downsample ? downsample->forward(x) : x));
}

const ResNetOptions& checked(const ResNetSpec& spec, const ResNetOptions& options) {
  STRATA_CHECK(options.num_classes > 0, "{}: num_classes must be positive, got {}", spec.name,
               options.num_classes);
  STRATA_CHECK(options.in_channels > 0, "{}: in_channels must be positive, got {}", spec.name,
               options.in_channels);
  STRATA_CHECK(!spec.blocks.empty() && spec.blocks.size() == spec.planes.size(),
               "{}: needs as many stages in blocks ({}) as in planes ({}), and at least one", spec.name,
               spec.blocks.size(), spec.planes.size());
  for (size_t i = 0; i < spec.blocks.size(); ++i) {
    STRATA_CHECK(spec.blocks[i] > 0 && spec.planes[i] > 0,
                 "{}: stage {} needs a positive number of blocks and planes, got {} and {}", spec.name, i + 1,
                 spec.blocks[i], spec.planes[i]);
  }
  return options;
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride,
                               std::shared_ptr<nn::SequentialImpl> downsample)
    : Module("BasicBlock"),
      conv1(conv3x3(inplanes, planes, stride)),
      bn1(planes),
      conv2(conv3x3(planes, planes)),
      bn2(planes),
      downsample(std::move(downsample)) {
  // Registered in torchvision's order, so the module tree prints the same.
  register_module("conv1", conv1.ptr());
  register_module("bn1", bn1.ptr());
  register_module("relu", nn::ReLU().ptr());
  register_module("conv2", conv2.ptr());
  register_module("bn2", bn2.ptr());
  if (this->downsample) register_module("downsample", this->downsample);
}

Tensor BasicBlockImpl::forward(const Tensor& x) {
  if (replaced_) {
    auto child = [&](const std::string& name) -> nn::Module* {
      for (const auto& [n, m] : named_children())
        if (n == name) return m.get();
      return nullptr;
    };
    Tensor branch = x;
    for (const char* name : {"conv1", "bn1", "relu", "conv2", "bn2"}) branch = child(name)->forward(branch);
    nn::Module* shortcut = child("downsample");
    return ops::relu(ops::add(branch, shortcut ? shortcut->forward(x) : x));
  }
  // BatchNorm + ReLU run as one fused kernel where one exists.
  const Tensor out = bn1->forward_relu(conv1(x));
  return merge(bn2(conv2(out)), x, downsample);
}

void BasicBlockImpl::replace_child(const std::string& name, std::shared_ptr<nn::Module> module) {
  nn::Module::replace_child(name, std::move(module));
  replaced_ = true;
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride,
                               std::shared_ptr<nn::SequentialImpl> downsample)
    : Module("Bottleneck"),
      conv1(conv1x1(inplanes, planes)),
      bn1(planes),
      conv2(conv3x3(planes, planes, stride)),
      bn2(planes),
      conv3(conv1x1(planes, planes * kExpansion)),
      bn3(planes * kExpansion),
      downsample(std::move(downsample)) {
  register_module("conv1", conv1.ptr());
  register_module("bn1", bn1.ptr());
  register_module("conv2", conv2.ptr());
  register_module("bn2", bn2.ptr());
  register_module("conv3", conv3.ptr());
  register_module("bn3", bn3.ptr());
  register_module("relu", nn::ReLU().ptr());
  if (this->downsample) register_module("downsample", this->downsample);
}

Tensor BottleneckImpl::forward(const Tensor& x) {
  Tensor out = bn1->forward_relu(conv1(x));
  out = bn2->forward_relu(conv2(out));
  return merge(bn3(conv3(out)), x, downsample);
}

ResNetImpl::ResNetImpl(const ResNetSpec& spec, const ResNetOptions& options)
    : Module("ResNet"),
      spec(spec),
      options(checked(spec, options)),
      conv1(spec.stem == ResNetSpec::Stem::ImageNet ? nn::Conv2d(options.in_channels, spec.planes[0], 7,
                                                                 {.stride = 2, .padding = 3, .bias = false})
                                                    : conv3x3(options.in_channels, spec.planes[0])),
      bn1(spec.planes[0]),
      avgpool(1),
      fc(spec.planes.back() * expansion(spec.block), options.num_classes) {
  // Registered in torchvision's order, so the module tree prints the same.
  register_module("conv1", conv1.ptr());
  register_module("bn1", bn1.ptr());
  register_module("relu", nn::ReLU().ptr());
  if (spec.stem == ResNetSpec::Stem::ImageNet)
    maxpool = register_module("maxpool", nn::MaxPool2d(3, {.stride = 2, .padding = 1}).ptr());
  const int64_t exp = expansion(spec.block);
  int64_t inplanes = spec.planes[0];
  for (size_t stage = 0; stage < spec.blocks.size(); ++stage) {
    const int64_t planes = spec.planes[stage];
    const int64_t stride = stage == 0 ? 1 : 2;
    nn::Sequential layer;
    for (int64_t b = 0; b < spec.blocks[stage]; ++b) {
      const int64_t s = b == 0 ? stride : 1;
      std::shared_ptr<nn::SequentialImpl> downsample;
      if (s != 1 || inplanes != planes * exp)
        downsample = nn::Sequential(conv1x1(inplanes, planes * exp, s), nn::BatchNorm2d(planes * exp)).ptr();
      if (spec.block == ResNetSpec::Block::Basic) {
        layer->push_back(BasicBlock(inplanes, planes, s, downsample));
      } else {
        layer->push_back(Bottleneck(inplanes, planes, s, downsample));
      }
      inplanes = planes * exp;
    }
    layers.push_back(layer);
    register_module("layer" + std::to_string(stage + 1), layer.ptr());
  }
  register_module("avgpool", avgpool.ptr());
  register_module("fc", fc.ptr());

  // torchvision's initialisation: He-normal convolutions (fan_out), unit BatchNorm scales, and optionally
  // zero scales on each residual branch's last BatchNorm. fc keeps Linear's default.
  for (auto& [name, module] : named_modules()) {
    if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(module.get()))
      nn::init::kaiming_normal_(conv->weight, 0.0, nn::init::FanMode::FanOut, nn::init::Nonlinearity::Relu);
    if (!options.zero_init_residual) continue;
    if (auto* block = dynamic_cast<BasicBlockImpl*>(module.get())) nn::init::zeros_(block->bn2->weight);
    if (auto* block = dynamic_cast<BottleneckImpl*>(module.get())) nn::init::zeros_(block->bn3->weight);
  }
}

Tensor ResNetImpl::forward(const Tensor& x) {
  STRATA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options.in_channels,
               "{}: expected input of shape [N, {}, H, W], got {}", spec.name, options.in_channels,
               x.defined() ? x.shape().str() : "an undefined tensor");
  Tensor y = bn1->forward_relu(conv1(x));
  if (maxpool) y = maxpool->forward(y);
  for (auto& layer : layers) y = layer(y);
  return fc(ops::flatten(avgpool(y), 1));
}

namespace {

ResNet make(std::string name, ResNetSpec::Block block, std::vector<int64_t> blocks, ResNetSpec::Stem stem,
            const ResNetOptions& options) {
  std::vector<int64_t> planes = stem == ResNetSpec::Stem::ImageNet ? std::vector<int64_t>{64, 128, 256, 512}
                                                                   : std::vector<int64_t>{16, 32, 64};
  return ResNet(ResNetSpec{std::move(name), block, std::move(blocks), std::move(planes), stem}, options);
}

}  // namespace

ResNet resnet18(const ResNetOptions& options) {
  return make("resnet18", ResNetSpec::Block::Basic, {2, 2, 2, 2}, ResNetSpec::Stem::ImageNet, options);
}
ResNet resnet34(const ResNetOptions& options) {
  return make("resnet34", ResNetSpec::Block::Basic, {3, 4, 6, 3}, ResNetSpec::Stem::ImageNet, options);
}
ResNet resnet50(const ResNetOptions& options) {
  return make("resnet50", ResNetSpec::Block::Bottleneck, {3, 4, 6, 3}, ResNetSpec::Stem::ImageNet, options);
}
ResNet resnet20(const ResNetOptions& options) {
  return make("resnet20", ResNetSpec::Block::Basic, {3, 3, 3}, ResNetSpec::Stem::Cifar, options);
}
ResNet resnet32(const ResNetOptions& options) {
  return make("resnet32", ResNetSpec::Block::Basic, {5, 5, 5}, ResNetSpec::Stem::Cifar, options);
}
ResNet resnet56(const ResNetOptions& options) {
  return make("resnet56", ResNetSpec::Block::Basic, {9, 9, 9}, ResNetSpec::Stem::Cifar, options);
}

}  // namespace strata::models
