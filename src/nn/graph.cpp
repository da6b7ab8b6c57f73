#include "strata/nn/graph.h"

#include <algorithm>

#include "strata/core/error.h"
#include "strata/nn/activation.h"
#include "strata/nn/merge.h"
#include "strata/nn/normalization.h"

namespace strata::nn {

int GraphImpl::index_of(const std::string& name) const {
  if (name == kInput) return -1;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return static_cast<int>(i);
  }
  return -2;
}

void GraphImpl::add(const std::string& name, std::shared_ptr<Module> module, std::vector<std::string> inputs) {
  STRATA_CHECK(module, "Graph: node '{}' has no module", name);
  STRATA_CHECK(!name.empty() && name.find('.') == std::string::npos && name != kInput,
               "Graph: '{}' cannot name a node (names are non-empty, without dots, and not '{}')", name, kInput);
  STRATA_CHECK(index_of(name) == -2, "Graph: node '{}' is defined twice", name);
  if (inputs.empty()) inputs.push_back(nodes_.empty() ? kInput : nodes_.back().name);
  Node node{.name = name, .module = module, .inputs = {}};
  for (const auto& in : inputs) {
    const int i = index_of(in);
    if (i == -2) {
      std::string known = kInput;
      for (const auto& n : nodes_) known += ", " + n.name;
      STRATA_FAIL("Graph: node '{}' reads '{}', which is not an earlier node (earlier: {})", name, in, known);
    }
    node.inputs.push_back(i);
  }
  const bool merge = dynamic_cast<MergeImpl*>(module.get()) != nullptr;
  STRATA_CHECK(merge || node.inputs.size() == 1,
               "Graph: node '{}' ({}) takes one input but reads {}; join several inputs with add, mul or concat",
               name, module->type_name(), node.inputs.size());
  STRATA_CHECK(!merge || node.inputs.size() >= 2, "Graph: node '{}' ({}) merges several inputs but reads {}",
               name, module->type_name(), node.inputs.size());
  add_child(name, module);
  nodes_.push_back(std::move(node));
  output_ = static_cast<int>(nodes_.size()) - 1;
  planned_ = false;
}

void GraphImpl::set_output(const std::string& name) {
  const int i = index_of(name);
  STRATA_CHECK(i >= 0, "Graph: output '{}' is not a node", name);
  output_ = i;
  planned_ = false;
}

const std::string& GraphImpl::output() const {
  STRATA_CHECK(output_ >= 0, "Graph: has no nodes");
  return nodes_[output_].name;
}

const std::vector<std::string>& GraphImpl::inputs_of(const std::string& name) const {
  thread_local std::vector<std::string> names;
  const int i = index_of(name);
  STRATA_CHECK(i >= 0, "Graph: no node named '{}'", name);
  names.clear();
  for (int in : nodes_[i].inputs) names.push_back(in < 0 ? kInput : nodes_[in].name);
  return names;
}

std::vector<std::string> GraphImpl::node_names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n.name);
  return out;
}

// Each node's last reader (so its value is dropped as soon as nothing needs it) and the batch norm + ReLU
// pairs that can run as one fused kernel: the ReLU is the next node and the norm's only reader.
void GraphImpl::plan() {
  std::vector<int> readers(nodes_.size(), 0);
  for (auto& n : nodes_) n.last_use = -1, n.fuse_relu = false;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    for (int in : nodes_[k].inputs) {
      if (in >= 0) nodes_[in].last_use = static_cast<int>(k), ++readers[in];
    }
  }
  for (size_t k = 0; k + 1 < nodes_.size(); ++k) {
    const Node& next = nodes_[k + 1];
    nodes_[k].fuse_relu = dynamic_cast<BatchNormImpl*>(nodes_[k].module.get()) && readers[k] == 1 &&
                          static_cast<int>(k) != output_ && next.inputs == std::vector<int>{static_cast<int>(k)} &&
                          dynamic_cast<ReLUImpl*>(next.module.get());
  }
  planned_ = true;
}

Tensor GraphImpl::forward(const Tensor& input) {
  STRATA_CHECK(output_ >= 0, "Graph: has no nodes");
  // Module::replace swaps a child (children are the nodes, in order): the node runs the new module, and the
  // fusions are planned again.
  const auto& children = named_children();
  for (size_t k = 0; k < nodes_.size(); ++k) {
    if (children[k].second != nodes_[k].module) {
      nodes_[k].module = children[k].second;
      planned_ = false;
    }
  }
  if (!planned_) plan();
  // Fusion hides the ReLU's own call, so it is off while an observer (nn::summary) lists the layers.
  const bool fuse = forward_observer() == nullptr;
  std::vector<Tensor> values(nodes_.size());
  auto value = [&](int i) -> const Tensor& { return i < 0 ? input : values[i]; };
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const size_t first = k;
    Node& node = nodes_[k];
    if (node.inputs.size() == 1) {
      if (fuse && node.fuse_relu && !node.module->has_hooks() && !nodes_[k + 1].module->has_hooks()) {
        values[k + 1] = static_cast<BatchNormImpl&>(*node.module).forward_relu(value(node.inputs[0]));
        ++k;
      } else {
        values[k] = (*node.module)(value(node.inputs[0]));
      }
    } else {
      std::vector<Tensor> ins;
      for (int in : node.inputs) ins.push_back(value(in));
      auto& merge = static_cast<MergeImpl&>(*node.module);
      values[k] = merge.call_hooked(std::move(ins),
                                    [&merge](const std::vector<Tensor>& in) { return merge.forward(in); });
    }
    // Drop values no later node reads (autograd keeps what backward needs).
    for (size_t j = first; j <= k; ++j) {
      for (int in : nodes_[j].inputs) {
        if (in >= 0 && in != output_ && nodes_[in].last_use <= static_cast<int>(k)) values[in] = Tensor();
      }
    }
  }
  return values[output_];
}

}  // namespace strata::nn
