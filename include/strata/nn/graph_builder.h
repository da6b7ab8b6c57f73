#pragma once
// Builds models from a description: the graphs and layer lists of configs, with reusable blocks, repeats
// and shapes inferred from the input. The CLI reads YAML into a GraphSpec; C++ users may fill one by hand.
// Building runs a zero input through each node as it is made, so arguments that follow from the input
// (in_channels, in_features) are filled in and a node that does not fit its input is reported by name with
// the shapes involved.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/dtype.h"
#include "strata/nn/graph.h"
#include "strata/nn/layer_registry.h"

namespace strata::nn {

// One node: a layer, an instance of a block, or a chain of nodes.
struct NodeSpec {
  std::string name{};  // empty: its position ("0", "1", ...)
  std::string op{};    // a layer type ("conv2d"), a block's name, or "sequential"
  // Arguments by name; or by position ("conv2d: [1, 6, 5]"); or one scalar ("dropout: 0.25", see
  // LayerRegistry::shorthand; for a block, its first parameter).
  ArgMap args{};
  std::vector<ArgValue> positional{};
  std::optional<ArgValue> scalar{};
  std::vector<std::string> from{};  // inputs (node names or "input"); empty: the node written before it
  // > 1: that many copies, each reading the one before. A named node holds them as a chain of its own
  // ("layer1.0", "layer1.1"); an unnamed node of a chain adds them to that chain.
  int64_t repeat = 1;
  std::vector<NodeSpec> body{};   // op "sequential": its nodes, each reading the one before
  std::string where{};            // where it was written ("model.yaml:12"), prefixed to errors
};

// A block: a graph with parameters, defined once and used by name like a layer ("basic: {channels: 32}").
// Its nodes read "input" for the block's input, and write "$param" for a parameter's value.
struct BlockSpec {
  std::vector<std::pair<std::string, std::optional<ArgValue>>> params{};  // name, default (unset: required)
  std::vector<NodeSpec> nodes{};
  std::string output{};  // empty: the last node
  std::string where{};
};

struct GraphSpec {
  std::vector<NodeSpec> nodes{};
  std::map<std::string, BlockSpec> blocks{};
  std::string output{};     // empty: the last node
  bool sequential = false;  // a plain chain (a config's `layers:`): built as nn::Sequential
};

struct GraphBuildOptions {
  Shape input_shape{};  // one example with its batch dimension ({1, 3, 32, 32}); empty: nothing is inferred
  Dtype input_dtype = kFloat32;
  // Values for "$name" in arguments (and bare names in integer arguments), e.g. vocab_size.
  std::map<std::string, ArgValue> variables{};
  const LayerRegistry* registry = nullptr;  // null: nn::layer_registry()
};

struct BuiltModel {
  std::shared_ptr<Module> module;                // nn::Graph, or nn::Sequential for sequential specs
  Shape output_shape;                            // for the input shape given (empty without one)
  std::map<const Module*, std::string> where;    // each node's module -> where it was written
};

// Builds the model. Throws strata::Error prefixed with the node's `where` and naming the node: unknown
// layers or blocks (with a suggestion), bad arguments, unknown inputs, cycles (listing them), and nodes whose
// input shapes do not fit (both shapes for merges).
BuiltModel build_graph(const GraphSpec& spec, const GraphBuildOptions& options = {});

}  // namespace strata::nn
