#include "strata/compress/channel_prune.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/core/glob.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/graph.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/ops/indexing.h"

namespace strata::compress {
namespace {

using Layers = std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>;

// Layers that act on each channel alone and keep the channel count: a pruned channel passes through them.
bool is_channelwise(const std::string& type) {
  static const std::set<std::string> kTypes = {"ReLU",
                                               "ReLU6",
                                               "LeakyReLU",
                                               "ELU",
                                               "SELU",
                                               "CELU",
                                               "GELU",
                                               "SiLU",
                                               "Mish",
                                               "Sigmoid",
                                               "Tanh",
                                               "Hardtanh",
                                               "Hardswish",
                                               "Hardsigmoid",
                                               "Softplus",
                                               "MaxPool2d",
                                               "AvgPool2d",
                                               "AdaptiveAvgPool2d",
                                               "AdaptiveMaxPool2d",
                                               "Dropout",
                                               "Dropout2d",
                                               "Identity"};
  return kTypes.count(type) > 0;
}

// The layers of a chain: a Sequential's children, or a Graph's nodes when each reads only the one before.
Layers chain_of(const std::shared_ptr<nn::Module>& model) {
  STRATA_CHECK(model != nullptr, "prune_channels: the model is null");
  if (dynamic_cast<nn::SequentialImpl*>(model.get())) {
    for (const auto& [name, child] : model->named_children()) {
      STRATA_CHECK(
          !dynamic_cast<nn::SequentialImpl*>(child.get()) && !dynamic_cast<nn::GraphImpl*>(child.get()),
          "prune_channels: layer '{}' is a nested {}; structured pruning works on one flat chain of "
          "layers",
          name, child->type_name());
    }
    return model->named_children();
  }
  auto* graph = dynamic_cast<nn::GraphImpl*>(model.get());
  STRATA_CHECK(
      graph != nullptr,
      "prune_channels: the model is a {}; structured pruning works on a Sequential or a Graph without "
      "branches",
      model->type_name());
  const std::vector<std::string> names = graph->node_names();
  Layers out;
  std::string previous = nn::GraphImpl::kInput;
  for (const std::string& name : names) {
    const std::vector<std::string>& inputs = graph->inputs_of(name);
    std::shared_ptr<nn::Module> module;
    for (const auto& [n, c] : graph->named_children()) {
      if (n == name) module = c;
    }
    STRATA_CHECK(module != nullptr, "prune_channels: graph node '{}' has no module", name);
    if (inputs.size() != 1 || inputs[0] != previous) {
      std::string list;
      for (const auto& in : inputs) list += (list.empty() ? "" : ", ") + in;
      STRATA_FAIL(
          "prune_channels: graph node '{}' ({}) reads [{}], not only the node before it ('{}'); channels "
          "joined by a residual connection or a concatenation must be pruned together, which structured "
          "pruning does not do (it works on chains of layers)",
          name, module->type_name(), list, previous);
    }
    out.emplace_back(name, module);
    previous = name;
  }
  STRATA_CHECK(graph->output() == previous,
               "prune_channels: the graph's output is node '{}', not its last node '{}'; structured pruning "
               "works on chains of layers",
               graph->output(), previous);
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  Tensor d = dst.detach();
  d.copy_(src.detach());
}

// Whether the layer called `name` is one to prune: every layer when `globs` is empty.
bool selected(const std::vector<std::string>& globs, const std::string& name) {
  if (globs.empty()) return true;
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return glob_match(g, name); });
}

Tensor select(const Tensor& t, int64_t dim, const Tensor& index) {
  return ops::index_select(t.detach(), dim, index).contiguous();
}

}  // namespace

std::vector<int64_t> channels_to_keep(const Tensor& weight, int64_t keep, ChannelNorm norm) {
  STRATA_CHECK(weight.defined() && weight.dim() >= 2,
               "channels_to_keep: need a weight [out, in, ...], got {}",
               weight.defined() ? weight.shape().str() : std::string("an undefined tensor"));
  const int64_t channels = weight.size(0);
  STRATA_CHECK(keep >= 1 && keep <= channels, "channels_to_keep: keep must be in [1, {}], got {}", channels,
               keep);
  const std::vector<double> w = weight.detach().to(kFloat64).contiguous().to_vector<double>();
  const int64_t per = weight.numel() / channels;
  std::vector<double> score(static_cast<size_t>(channels), 0.0);
  for (int64_t c = 0; c < channels; ++c) {
    double s = 0;
    for (int64_t i = 0; i < per; ++i) {
      const double v = w[static_cast<size_t>(c * per + i)];
      s += norm == ChannelNorm::L1 ? std::abs(v) : v * v;
    }
    score[static_cast<size_t>(c)] = s;
  }
  std::vector<int64_t> order(static_cast<size_t>(channels));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });
  order.resize(static_cast<size_t>(keep));
  std::sort(order.begin(), order.end());
  return order;
}

int64_t channels_kept(int64_t channels, const ChannelPruneOptions& options) {
  const auto removed = static_cast<int64_t>(std::llround(options.amount * static_cast<double>(channels)));
  int64_t keep = std::max(options.min_channels, channels - removed);
  keep = (keep + options.round_to - 1) / options.round_to * options.round_to;
  return std::min(channels, keep);
}

ChannelPruneResult prune_channels(const std::shared_ptr<nn::Module>& model,
                                  const ChannelPruneOptions& options) {
  STRATA_CHECK(options.amount >= 0.0 && options.amount < 1.0,
               "prune_channels: amount must be in [0, 1), got {}", options.amount);
  STRATA_CHECK(options.min_channels >= 1, "prune_channels: min_channels must be at least 1, got {}",
               options.min_channels);
  STRATA_CHECK(options.round_to >= 1, "prune_channels: round_to must be at least 1, got {}",
               options.round_to);
  Layers layers = chain_of(model);
  ChannelPruneResult result;
  NoGradGuard no_grad;
  const size_t n = layers.size();
  for (size_t i = 0; i < n; ++i) {
    auto conv = std::dynamic_pointer_cast<nn::Conv2dImpl>(layers[i].second);
    if (!conv || !selected(options.layers, layers[i].first)) continue;
    STRATA_CHECK(
        conv->options.groups == 1,
        "prune_channels: Conv2d '{}' has groups={}; grouped and depthwise convolutions tie their input "
        "and output channels, which structured pruning does not follow",
        layers[i].first, conv->options.groups);
    size_t j = i + 1;
    std::shared_ptr<nn::BatchNormImpl> bn;
    size_t bn_at = 0;
    while (j < n) {
      const std::string& type = layers[j].second->type_name();
      if (type == "BatchNorm2d" && !bn) {
        bn = std::dynamic_pointer_cast<nn::BatchNormImpl>(layers[j].second);
        bn_at = j;
      } else if (!is_channelwise(type)) {
        break;
      }
      ++j;
    }
    if (j == n) continue;  // the channels are the network's output
    const std::string consumer_type = layers[j].second->type_name();
    auto next_conv = std::dynamic_pointer_cast<nn::Conv2dImpl>(layers[j].second);
    std::shared_ptr<nn::LinearImpl> linear;
    size_t linear_at = 0;
    if (next_conv) {
      STRATA_CHECK(next_conv->options.groups == 1,
                   "prune_channels: Conv2d '{}' (groups={}) reads the channels of Conv2d '{}'; grouped "
                   "convolutions are not followed",
                   layers[j].first, next_conv->options.groups, layers[i].first);
    } else if (consumer_type == "Flatten") {
      auto flatten = std::dynamic_pointer_cast<nn::FlattenImpl>(layers[j].second);
      STRATA_CHECK(flatten && flatten->start_dim == 1 && flatten->end_dim == -1,
                   "prune_channels: Flatten '{}' must flatten dims 1 to -1 to follow the channels of '{}'",
                   layers[j].first, layers[i].first);
      size_t k = j + 1;
      while (k < n &&
             (layers[k].second->type_name() == "Dropout" || layers[k].second->type_name() == "Identity"))
        ++k;
      STRATA_CHECK(k < n && (linear = std::dynamic_pointer_cast<nn::LinearImpl>(layers[k].second)),
                   "prune_channels: Flatten '{}' after Conv2d '{}' must be followed by a Linear",
                   layers[j].first, layers[i].first);
      linear_at = k;
    } else {
      STRATA_FAIL(
          "prune_channels: layer '{}' ({}) reads the channels of Conv2d '{}'; structured pruning follows "
          "channels only through element-wise layers and BatchNorm2d into a Conv2d or Flatten + Linear",
          layers[j].first, consumer_type, layers[i].first);
    }

    const int64_t channels = conv->out_channels;
    const int64_t keep = channels_kept(channels, options);
    PrunedLayer record{
        .name = layers[i].first, .channels_before = channels, .channels_after = keep, .kept = {}};
    record.kept = channels_to_keep(conv->weight, keep, options.norm);
    result.layers.push_back(record);
    if (keep == channels) continue;
    const Tensor index = from_vector(record.kept);

    auto pruned = std::make_shared<nn::Conv2dImpl>(conv->in_channels, keep, conv->kernel_size, conv->options);
    copy_into(pruned->weight, select(conv->weight, 0, index));
    if (conv->bias.defined()) copy_into(pruned->bias, select(conv->bias, 0, index));
    pruned->train(conv->is_training());
    layers[i].second = pruned;

    if (bn) {
      auto smaller = std::make_shared<nn::BatchNorm2dImpl>(keep, bn->options);
      if (bn->weight.defined()) copy_into(smaller->weight, select(bn->weight, 0, index));
      if (bn->bias.defined()) copy_into(smaller->bias, select(bn->bias, 0, index));
      if (bn->running_mean.defined()) copy_into(smaller->running_mean, select(bn->running_mean, 0, index));
      if (bn->running_var.defined()) copy_into(smaller->running_var, select(bn->running_var, 0, index));
      if (bn->num_batches_tracked.defined()) copy_into(smaller->num_batches_tracked, bn->num_batches_tracked);
      smaller->train(bn->is_training());
      layers[bn_at].second = smaller;
    }
    if (next_conv) {
      auto reader = std::make_shared<nn::Conv2dImpl>(keep, next_conv->out_channels, next_conv->kernel_size,
                                                     next_conv->options);
      copy_into(reader->weight, select(next_conv->weight, 1, index));
      if (next_conv->bias.defined()) copy_into(reader->bias, next_conv->bias);
      reader->train(next_conv->is_training());
      layers[j].second = reader;
    } else {
      STRATA_CHECK(linear->in_features % channels == 0,
                   "prune_channels: Linear '{}' has in_features={}, not a multiple of the {} channels of "
                   "Conv2d '{}'",
                   layers[linear_at].first, linear->in_features, channels, layers[i].first);
      const int64_t spatial = linear->in_features / channels;
      std::vector<int64_t> columns;
      for (int64_t c : record.kept) {
        for (int64_t s = 0; s < spatial; ++s) columns.push_back(c * spatial + s);
      }
      auto reader =
          std::make_shared<nn::LinearImpl>(keep * spatial, linear->out_features, linear->bias.defined());
      copy_into(reader->weight, select(linear->weight, 1, from_vector(columns)));
      if (linear->bias.defined()) copy_into(reader->bias, linear->bias);
      reader->train(linear->is_training());
      layers[linear_at].second = reader;
    }
  }
  for (const std::string& glob : options.layers) {
    std::string convs;
    bool matched = false;
    for (const auto& [name, module] : layers) {
      if (module->type_name() != "Conv2d") continue;
      convs += (convs.empty() ? "" : ", ") + name;
      matched = matched || glob_match(glob, name);
    }
    STRATA_CHECK(matched, "prune_channels: no Conv2d is called '{}' (the convolutions: {})", glob,
                 convs.empty() ? std::string("none") : convs);
  }
  auto seq = std::make_shared<nn::SequentialImpl>();
  for (const auto& [name, module] : layers) seq->push_back(name, module);
  seq->train(model->is_training());
  result.model = seq;
  return result;
}

}  // namespace strata::compress
