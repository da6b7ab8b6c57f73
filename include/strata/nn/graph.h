#pragma once
// Graph: a module whose layers form a directed acyclic graph rather than a chain: each node runs a module on
// the outputs of earlier nodes (or the graph's input), so skip connections (ResNet), branches and joins
// (Inception, U-Net) are plain data. Nodes are children named by the user ("conv1", "layer1"), so parameter
// names read like torchvision's ("layer1.0.conv1.weight").
//
//   nn::Graph g;
//   g->add("conv1", nn::Conv2d(16, 16, 3, {.padding = 1}));          // input: the graph's input
//   g->add("bn1", nn::BatchNorm2d(16));                               // input: the previous node
//   g->add("sum", nn::Add(), {"bn1", "input"});                       // a residual join
//   g->add("relu", nn::ReLU());
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::nn {

class GraphImpl : public Module {
 public:
  // The name a node uses to read the graph's input.
  static constexpr const char* kInput = "input";

  GraphImpl() : Module("Graph") {}

  // Adds node `name` running `module` on `inputs` (node names or "input"; empty: the previous node, or the
  // graph's input for the first node). Several inputs need a merge module (nn::Add, nn::Mul, nn::Concat).
  // Inputs must name earlier nodes, so a graph is acyclic by construction; throws naming the node on an
  // unknown input, a repeated name or a module that cannot take its inputs.
  void add(const std::string& name, std::shared_ptr<Module> module, std::vector<std::string> inputs = {});
  // The node whose value forward() returns (default: the last one added).
  void set_output(const std::string& name);
  const std::string& output() const;

  // The inputs of node `name`, as resolved by add().
  const std::vector<std::string>& inputs_of(const std::string& name) const;
  // Node names in the order they run.
  std::vector<std::string> node_names() const;

  Tensor forward(const Tensor& input) override;

 private:
  struct Node {
    std::string name;
    std::shared_ptr<Module> module;
    std::vector<int> inputs;  // node indices; -1 is the graph's input
    int last_use = -1;        // index of the last node that reads this one (frees it early)
    bool fuse_relu = false;   // a batch norm whose only reader is a ReLU runs fused with it
  };
  int index_of(const std::string& name) const;
  void plan();

  std::vector<Node> nodes_;
  int output_ = -1;
  bool planned_ = false;
};
STRATA_MODULE_HOLDER(Graph);

}  // namespace strata::nn
