// Graph passes. Nodes are kept in execution order; a pass that removes a node rewires its readers to
// the surviving value first, so the order stays valid.
#include "strata/compile/passes.h"

#include <fmt/format.h>

#include <map>
#include <unordered_set>

namespace strata::compiler {
namespace {

// Every read of value `from` becomes a read of `to` (graph outputs too).
void replace_uses(Graph& g, int from, int to) {
  for (Node& n : g.nodes)
    for (int& i : n.inputs)
      if (i == from) i = to;
  for (int& o : g.outputs)
    if (o == from) o = to;
  for (Value& v : g.values)
    if (v.alias_of == from) v.alias_of = to;
}

// Drops the nodes flagged in `gone` and renumbers producers.
void erase_nodes(Graph& g, const std::vector<bool>& gone) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!gone[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  for (Value& v : g.values) v.producer = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs) g.values[o].producer = static_cast<int>(i);
}

}  // namespace

int eliminate_dead_code(Graph& g) {
  std::unordered_set<int> live(g.outputs.begin(), g.outputs.end());
  std::vector<bool> gone(g.nodes.size(), false);
  int removed = 0;
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    bool needed = has_effect(n.op);
    for (int o : n.outputs) needed = needed || live.count(o) > 0;
    if (!needed) {
      gone[k] = true;
      ++removed;
      continue;
    }
    for (int i : n.inputs)
      if (i >= 0) live.insert(i);
  }
  if (removed) erase_nodes(g, gone);
  return removed;
}

int eliminate_common_subexpressions(Graph& g) {
  std::map<std::string, size_t> seen;
  std::vector<bool> gone(g.nodes.size(), false);
  int merged = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    bool writes_gradient = false;
    for (int o : n.outputs) writes_gradient = writes_gradient || g.values[o].kind == ValueKind::Gradient;
    if (has_effect(n.op) || writes_gradient) continue;
    std::string key = std::string(op_name(n.op)) + "(";
    for (int i : n.inputs) key += std::to_string(i) + ",";
    key += ")" + n.attrs.str() + ":";
    for (int o : n.outputs) key += g.values[o].shape.str() + std::string(dtype_name(g.values[o].dtype));
    auto [it, fresh] = seen.emplace(key, k);
    if (fresh) continue;
    const Node& first = g.nodes[it->second];
    for (size_t i = 0; i < n.outputs.size(); ++i) replace_uses(g, n.outputs[i], first.outputs[i]);
    gone[k] = true;
    ++merged;
  }
  if (merged) erase_nodes(g, gone);
  return merged;
}

int simplify_algebra(Graph& g) {
  std::vector<bool> gone(g.nodes.size(), false);
  int removed = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    if (n.op == OpKind::Reshape) {
      const int in = n.inputs[0];
      const int out = n.outputs[0];
      // A reshape of a reshape reads the first one's operand.
      const int p = g.values[in].producer;
      if (p >= 0 && g.nodes[p].op == OpKind::Reshape) {
        n.inputs[0] = g.nodes[p].inputs[0];
        g.values[out].alias_of = n.inputs[0];
      }
      const Value& src = g.values[n.inputs[0]];
      if (src.shape == g.values[out].shape && src.batch_dim == g.values[out].batch_dim &&
          std::find(g.outputs.begin(), g.outputs.end(), out) == g.outputs.end()) {
        replace_uses(g, out, n.inputs[0]);
        gone[k] = true;
        ++removed;
      }
    } else if (n.op == OpKind::Relu) {
      const int p = g.values[n.inputs[0]].producer;
      const bool relu_in =
          p >= 0 &&
          (g.nodes[p].op == OpKind::Relu ||
           ((g.nodes[p].op == OpKind::Linear || g.nodes[p].op == OpKind::Conv2d) && g.nodes[p].attrs.relu));
      if (relu_in) {
        replace_uses(g, n.outputs[0], n.inputs[0]);
        gone[k] = true;
        ++removed;
      }
    }
  }
  if (removed) erase_nodes(g, gone);
  return removed;
}

std::vector<std::string> fuse_post_ops(Graph& g) {
  std::vector<std::string> groups;
  std::vector<bool> gone(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    if ((n.op != OpKind::Linear && n.op != OpKind::Conv2d) || n.attrs.relu) continue;
    const int pre = n.outputs[0];
    if (g.uses(pre) != 1 || std::find(g.outputs.begin(), g.outputs.end(), pre) != g.outputs.end()) continue;
    for (size_t j = k + 1; j < g.nodes.size(); ++j) {
      Node& r = g.nodes[j];
      if (gone[j] || r.op != OpKind::Relu || r.inputs[0] != pre) continue;
      // The matmul/convolution writes the activation directly: its result becomes the relu's.
      n.attrs.relu = true;
      n.outputs[0] = r.outputs[0];
      g.values[r.outputs[0]].producer = static_cast<int>(k);
      gone[j] = true;
      groups.push_back(fmt::format("{}[{}] + {}[{}] -> {}[relu] ({})", op_name(n.op), n.label, op_name(r.op),
                                   r.label, op_name(n.op),
                                   n.op == OpKind::Linear ? "oneDNN post-op" : "in place over the result"));
      break;
    }
  }
  erase_nodes(g, gone);
  return groups;
}

std::vector<std::string> fuse_conv_backward(Graph& g) {
  std::vector<std::string> groups;
  std::vector<bool> gone(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& in = g.nodes[k];
    if (gone[k] || in.op != OpKind::Conv2dBackwardInput) continue;
    for (size_t j = 0; j < g.nodes.size(); ++j) {
      const Node& w = g.nodes[j];
      if (gone[j] || w.op != OpKind::Conv2dBackwardWeight || w.inputs[0] != in.inputs[0] ||
          !(w.attrs == in.attrs))
        continue;
      // Conv2dBackward(g, x, W) -> dx, dW (, db), at the input gradient's place (x and W are forward values).
      const int dx = in.outputs[0];
      in.op = OpKind::Conv2dBackward;
      in.inputs = {in.inputs[0], w.inputs[1], in.inputs[1]};
      in.outputs = {dx};
      for (int o : w.outputs) in.outputs.push_back(o);
      gone[j] = true;
      groups.push_back(
          fmt::format("Conv2dBackwardInput + Conv2dBackwardWeight [{}] -> Conv2dBackward", in.label));
      break;
    }
  }
  erase_nodes(g, gone);
  return groups;
}

std::vector<std::string> fuse_in_place(Graph& g) {
  std::vector<std::string> groups;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    if (n.op != OpKind::ReluBackward || n.attrs.in_place) continue;
    const int grad = n.inputs[0];
    const Value& gv = g.values[grad];
    if (gv.kind != ValueKind::Temporary ||
        std::find(g.outputs.begin(), g.outputs.end(), grad) != g.outputs.end())
      continue;
    // Nothing after this node may read the gradient's buffer through any alias.
    const int root = g.root(grad);
    bool dies = true;
    for (size_t j = 0; j < g.nodes.size() && dies; ++j) {
      if (j == k) continue;
      for (int i : g.nodes[j].inputs)
        if (i >= 0 && g.root(i) == root && j > k) dies = false;
    }
    if (!dies || g.uses(grad) != 1) continue;
    n.attrs.in_place = true;
    g.values[n.outputs[0]].alias_of = grad;
    groups.push_back(fmt::format("ReluBackward [{}] in place over its gradient", n.label));
  }
  return groups;
}

PassReport optimize(Graph& g) {
  PassReport r;
  r.simplified = simplify_algebra(g);
  r.common = eliminate_common_subexpressions(g);
  r.dead = eliminate_dead_code(g);
  for (auto& s : fuse_post_ops(g)) r.fusion_groups.push_back(std::move(s));
  r.simplified += simplify_algebra(g);  // a relu after a fused relu
  for (auto& s : fuse_conv_backward(g)) r.fusion_groups.push_back(std::move(s));
  for (auto& s : fuse_in_place(g)) r.fusion_groups.push_back(std::move(s));
  r.dead += eliminate_dead_code(g);
  return r;
}

}  // namespace strata::compiler
