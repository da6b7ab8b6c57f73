#pragma once
// Structured channel pruning: removes whole output channels (filters) of convolutions, with the matching
// BatchNorm entries and the next layer's input channels (or the matching input features of the Linear
// after a Flatten), so the result is a smaller dense network that runs faster, not a masked one. Filters
// are ranked by the L1 or L2 norm of their weights (Li et al. 2017, "Pruning Filters for Efficient
// ConvNets"). Works on chains of layers: an nn::Sequential, or an nn::Graph without branches (what a
// config's `layers:` list builds). Channels joined by a residual Add or a Concat must be pruned together;
// that is refused with an error naming the merge node.
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::compress {

enum class ChannelNorm { L1, L2 };

struct ChannelPruneOptions {
  double amount = 0.5;  // fraction of each prunable convolution's output channels removed
  ChannelNorm norm = ChannelNorm::L1;
  int64_t min_channels = 1;  // every convolution keeps at least this many channels
  // Kept channel counts are rounded up to a multiple of this (capped at the layer's width; 1: no
  // rounding). strata runs a convolution on oneDNN's direct channels-last kernels when it has at least 4
  // input or output channels; a thinner one (1 -> 3 channels) falls back to NCHW im2col + gemm and drags
  // the pooling after it onto oneDNN's slow NCHW kernel, so a pruned LeNet-5 with 3 channels in its first
  // layer runs 2x slower than the dense one. Multiples of 4 keep every pruned layer on the direct kernels.
  int64_t round_to = 4;
  // Globs on the dotted names of the convolutions to prune ("0", "features.*"); empty: every prunable one.
  std::vector<std::string> layers = {};
};

// What prune_channels did to one convolution.
struct PrunedLayer {
  std::string name;  // the convolution's dotted name
  int64_t channels_before = 0, channels_after = 0;
  std::vector<int64_t> kept;  // the kept output channels, ascending
};

struct ChannelPruneResult {
  std::shared_ptr<nn::Module> model;  // a Sequential with the original layer names (state-dict names kept)
  std::vector<PrunedLayer> layers;
};

// The output channels of a conv weight [out, in/groups, k...] ranked by norm: the `keep` largest, in
// ascending channel order (ties keep the lower channel).
std::vector<int64_t> channels_to_keep(const Tensor& weight, int64_t keep, ChannelNorm norm);

// The channels a convolution of `channels` outputs keeps under `options` (amount, min_channels, round_to).
int64_t channels_kept(int64_t channels, const ChannelPruneOptions& options);

// Prunes every Conv2d (groups 1, matching options.layers) whose output feeds, through element-wise layers
// (activations, pooling, dropout, BatchNorm2d), exactly one Conv2d or Flatten + Linear; the last convolution
// of a network whose output is its channels is left alone. Returns a new Sequential that shares the untouched
// layers with `model` (use the result, not `model`, afterwards; build the optimiser after pruning). Throws
// naming the layer that blocks it: a branch or merge, grouped convolutions, or a layer that mixes channels.
ChannelPruneResult prune_channels(const std::shared_ptr<nn::Module>& model,
                                  const ChannelPruneOptions& options);

}  // namespace strata::compress
